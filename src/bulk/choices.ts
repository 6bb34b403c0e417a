/**
 * The actions the list's selection bar offers, in its drop-down's order. The reset says how the
 * users will get back in: links by mail once mail is set up (M1), temporary passwords until then.
 */
export function bulkActionChoices(mailReady: boolean): [string, string][] {
  return [
    ['update', 'Update settings…'],
    ['activate', 'Activate'],
    ['deactivate', 'Deactivate'],
    ['block', 'Block'],
    ['unblock', 'Unblock'],
    ['unlock', 'Unlock'],
    ['expire', 'Expire password'],
    ['reset', mailReady ? 'Reset password (email links)…' : 'Reset password (temporary passwords)…'],
    ['delete', 'Delete…'],
  ];
}
