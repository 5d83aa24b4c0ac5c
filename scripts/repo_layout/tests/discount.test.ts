void testLargeDeal()
{
	assertEquals(10,standalone.discountFor(20000));
}
void testMediumDeal()
{
	assertEquals(5,standalone.discountFor(5000));
}
void testSmallDeal()
{
	assertEquals(0,standalone.discountFor(100));
}
