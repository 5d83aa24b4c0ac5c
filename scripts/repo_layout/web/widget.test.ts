import { widget } from "./widget";

test("widget shows the deal", () => {
  expect(widget({ dealId: "1" })).toContain("deal 1");
});
