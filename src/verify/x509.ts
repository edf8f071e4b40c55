/**
 * Just enough X.509 to verify a signature with the certificate's key: PEM to DER, then
 * the SubjectPublicKeyInfo and the validity period out of the DER (RFC 5280 §4.1).
 * Chains, extensions and the certificate's own signature are left alone: callers trust a
 * certificate for where it was fetched from (AWS SNS), not for who signed it. Untrusted
 * bytes in, null out: nothing here throws.
 */
import { base64ToBytes } from "../lib/encoding";

export interface CertificateInfo {
  /** The DER SubjectPublicKeyInfo, ready for `crypto.subtle.importKey("spki", …)`. */
  readonly spki: Uint8Array;
  /** Validity period, milliseconds since the epoch, both ends inclusive. */
  readonly notBefore: number;
  readonly notAfter: number;
}

const PEM_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

function base64Der(text: string): Uint8Array | null {
  const der = base64ToBytes(text.replace(/\s+/g, ""));
  return der && der.length > 0 ? der : null;
}

/** The DER bytes of the first certificate in a PEM document. */
export function pemToDer(pem: string): Uint8Array | null {
  const m = PEM_RE.exec(pem);
  return m ? base64Der(m[1]!) : null;
}

const BEGIN_PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----";
const END_PUBLIC_KEY = "-----END PUBLIC KEY-----";

/** The DER SubjectPublicKeyInfo of the first "PUBLIC KEY" block; between the markers only base64 and whitespace. */
export function publicKeyPemToDer(pem: string): Uint8Array | null {
  const start = pem.indexOf(BEGIN_PUBLIC_KEY);
  const end = start === -1 ? -1 : pem.indexOf(END_PUBLIC_KEY, start + BEGIN_PUBLIC_KEY.length);
  return end === -1 ? null : base64Der(pem.slice(start + BEGIN_PUBLIC_KEY.length, end));
}

/** One DER element: its tag, where it starts (header included) and where its content lies. */
interface Tlv {
  readonly tag: number;
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const CONTEXT_0 = 0xa0;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** Reads the element at `offset`, which must end by `limit`. Definite lengths only (DER). */
export function readTlv(der: Uint8Array, offset: number, limit: number): Tlv | null {
  if (offset < 0 || limit > der.length || offset + 2 > limit) return null;
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) return null; // high tag numbers: not in a certificate's outline
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return null; // indefinite, or absurd
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (length > limit - start) return null;
  return { tag, offset, start, end: start + length };
}

const UTC_TIME_RE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** UTCTime (years 1950–2049) or GeneralizedTime, in the Zulu forms RFC 5280 requires. */
function readTime(der: Uint8Array, tlv: Tlv): number | null {
  if (tlv.tag !== UTC_TIME && tlv.tag !== GENERALIZED_TIME) return null;
  let text = "";
  for (let i = tlv.start; i < tlv.end; i++) text += String.fromCharCode(der[i]!);
  const m = (tlv.tag === UTC_TIME ? UTC_TIME_RE : GENERALIZED_TIME_RE).exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const fullYear = tlv.tag === UTC_TIME ? (year >= 50 ? 1900 + year : 2000 + year) : year;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(fullYear, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March: refuse instead.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 * TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
 *   validity SEQUENCE { notBefore, notAfter }, subject, subjectPublicKeyInfo, … }
 */
export function parseCertificate(der: Uint8Array): CertificateInfo | null {
  const cert = readTlv(der, 0, der.length);
  if (!cert || cert.tag !== SEQUENCE || cert.end !== der.length) return null;
  const tbs = readTlv(der, cert.start, cert.end);
  if (!tbs || tbs.tag !== SEQUENCE) return null;

  let at = tbs.start;
  const next = (): Tlv | null => {
    const tlv = readTlv(der, at, tbs.end);
    if (tlv) at = tlv.end;
    return tlv;
  };
  let field = next();
  if (field?.tag === CONTEXT_0) field = next(); // version
  if (field?.tag !== INTEGER) return null; // serialNumber
  if (next()?.tag !== SEQUENCE) return null; // signature algorithm
  if (next()?.tag !== SEQUENCE) return null; // issuer
  const validity = next();
  if (validity?.tag !== SEQUENCE) return null;
  if (next()?.tag !== SEQUENCE) return null; // subject
  const spki = next();
  if (spki?.tag !== SEQUENCE) return null;

  const notBeforeTlv = readTlv(der, validity.start, validity.end);
  const notAfterTlv = notBeforeTlv && readTlv(der, notBeforeTlv.end, validity.end);
  if (!notBeforeTlv || !notAfterTlv || notAfterTlv.end !== validity.end) return null;
  const notBefore = readTime(der, notBeforeTlv);
  const notAfter = readTime(der, notAfterTlv);
  if (notBefore === null || notAfter === null) return null;
  return { spki: der.slice(spki.offset, spki.end), notBefore, notAfter };
}

/** `parseCertificate(pemToDer(pem))`. */
export function parsePemCertificate(pem: string): CertificateInfo | null {
  const der = pemToDer(pem);
  return der && parseCertificate(der);
}
