/** Fixed ids of the demo trees, so link nodes can point at each other. */
export const PRINTER_OFFLINE_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e01';
export const OUTLOOK_WONT_OPEN_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e02';
export const VPN_WONT_CONNECT_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e03';
export const MFA_SIGN_IN_LOOP_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e04';
export const SLOW_PC_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e05';
export const MAPPED_DRIVE_MISSING_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e06';
export const WIFI_DROPPING_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e07';
export const BLUE_SCREEN_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e08';
export const ACCOUNT_LOCKED_OUT_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e09';
export const NEW_STARTER_LAPTOP_TREE_ID = '6f1c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e10';
