import type { DemoTree } from './types.ts';
import { printerOffline } from './printer-offline.ts';
import { outlookWontOpen } from './outlook-wont-open.ts';
import { vpnWontConnect } from './vpn-wont-connect.ts';
import { mfaSignInLoop } from './mfa-sign-in-loop.ts';
import { slowPc } from './slow-pc.ts';
import { mappedDriveMissing } from './mapped-drive-missing.ts';
import { wifiDropping } from './wifi-dropping.ts';
import { blueScreen } from './blue-screen.ts';
import { accountLockedOut } from './account-locked-out.ts';
import { newStarterLaptop } from './new-starter-laptop.ts';

export type { DemoTree } from './types.ts';
export * from './ids.ts';

/** Ten realistic MSP troubleshooting trees for demos and first-run seeding. */
export const DEMO_TREES: DemoTree[] = [
  printerOffline,
  outlookWontOpen,
  vpnWontConnect,
  mfaSignInLoop,
  slowPc,
  mappedDriveMissing,
  wifiDropping,
  blueScreen,
  accountLockedOut,
  newStarterLaptop,
];
