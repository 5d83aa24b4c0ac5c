// Keeps the digits of a phone number and adds the country code.
string standalone.normalizePhone(string phone, string countryCode)
{
	if(isNull(phone))
	{
		return "";
	}
	digits = phone.getAlphaNumeric().removeAllAlpha();
	if(digits.length() == 10)
	{
		return countryCode + digits;
	}
	return "+" + digits;
}
