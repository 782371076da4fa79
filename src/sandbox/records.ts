/** The sandbox's records of account connectors, as its state keeps them and its cycles read them (Cyclr's JSON names). */
import { randomBytes } from "node:crypto";

export interface PropertyRecord {
  Name: string;
  Value: string;
  Id: number;
  AccountConnectorId: number;
}

export interface AccountConnectorRecord {
  Id: number;
  AccountId: string;
  ConnectorId: number;
  Name: string;
  Description: string | null;
  AuthValue: string | null;
  AuthenticationId: string | null;
  Properties: PropertyRecord[];
}

/** Base64 that always contains + and / and ends with =, as real sign-in tokens can. */
export function base64Token(): string {
  for (;;) {
    const token = randomBytes(31).toString("base64");
    if (token.includes("+") && token.includes("/")) return token;
  }
}
