resp = invokeurl
[
	url :"https://www.zohoapis.com/crm/v2/Accounts/" + accountId
	type :GET
	connection:"crm_conn"
];
info resp.get("data").get(0).get("Account_Name");
