/**
 * One character of an address as people write them. Refused besides spaces and a second @:
 * quotes, angle brackets, parentheses, backslash and brackets, which only quoted, commented or
 * named addresses need, and the comma, semicolon and colon that separate addresses in a mail
 * header, so one field can never name a second recipient. The apostrophe stays: o'brien@… is a
 * real address.
 */
const ADDRESS_CHAR = '[^\\s@"<>()\\[\\]\\\\,;:`]';
/** An email address as every form of Roster accepts it. */
export const EMAIL = new RegExp(`^${ADDRESS_CHAR}+@${ADDRESS_CHAR}+\\.${ADDRESS_CHAR}+$`);
