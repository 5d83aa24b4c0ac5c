int standalone.discountFor(decimal amount)
{
	// 10% off large deals, 5% off medium ones
	if(amount >= 10000)
	{
		return 10;
	}
	if(amount >= 5000)
	{
		return 5;
	}
	return 0;
}
