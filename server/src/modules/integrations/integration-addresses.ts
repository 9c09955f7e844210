import { ADDRESS_LABEL, vendorAddressProblem, type AddressField } from '@flowpilot/contracts';
import { checkTargetForm, namesPrivateHost, TargetRefused } from '../../lib/network-guard.ts';

/**
 * What is wrong with an address as it is saved (or tried before saving), in
 * words, or null: the vendor's format (its host rules waived for a stand-in
 * on the private network when private targets are allowed), then the SSRF
 * rules that need no name lookup. No name is looked up: a host that does not
 * resolve yet may be saved, and every send checks the address again in full
 * (SSRF guard and connection-level address check).
 *
 * The request schemas check the vendor formats already (so that every
 * field's problem comes back in one answer); they leave hosts given as an IP
 * address or `localhost` to this check, which knows the configuration.
 */
export function addressProblem(field: AddressField, value: string, allowPrivate: boolean): string | null {
  const vendor = vendorAddressProblem(field, value, (url) => allowPrivate && namesPrivateHost(url));
  if (vendor) return vendor;
  try {
    checkTargetForm(value, allowPrivate);
    return null;
  } catch (err) {
    if (err instanceof TargetRefused) return `${ADDRESS_LABEL[field]} ${err.message}`;
    throw err;
  }
}
