import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { Sealer } from '../sealed.js';
import { PRODUCT_NAME } from '../mail/templates.js';

const PERIOD_SECONDS = 30;
/** A code of the step before or after is accepted too: phone clocks drift, and typing takes time. */
const WINDOW = 1;

/** The authenticator secret at rest (users.totp_secret_sealed, and while enrolling, the session). */
export function totpSealer(sessionSecret: string): Sealer {
  return new Sealer(sessionSecret, 'roster totp secret');
}

/** A new random secret (160 bits, as RFC 4226 recommends), in base32 as apps take it. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totpOf(secret: string, account: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: PRODUCT_NAME,
    label: account,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

/**
 * The time step a code belongs to, when it is a current code for the secret; undefined
 * otherwise. `keepUntil` is when a code of that step stops being accepted, so its use needs
 * remembering only until then.
 */
export function matchTotp(secret: string, code: string, now: Date): { step: number; keepUntil: Date } | undefined {
  const delta = totpOf(secret, '').validate({ token: code, timestamp: now.getTime(), window: WINDOW });
  if (delta === null) return undefined;
  const step = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
  return { step, keepUntil: new Date((step + WINDOW + 1) * PERIOD_SECONDS * 1000) };
}

/** What an authenticator app needs: the otpauth:// address and, for scanning, a QR code of it. */
export async function enrolmentPicture(secret: string, account: string): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = totpOf(secret, account).toString();
  // Drawn here as SVG and sent as a data: address (the CSP allows data: images), so no outside
  // service ever sees the secret.
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return { uri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** The secret in groups of four, easier to type into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
