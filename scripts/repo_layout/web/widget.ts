import { render } from "./render";

export interface Props {
  dealId: string;
}

export const widget = (props: Props): string => render(`deal ${props.dealId}`);
