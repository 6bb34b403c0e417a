/** The actions the list's selection bar offers, in its drop-down's order. */
export const BULK_ACTION_CHOICES = [
  ['update', 'Update settings…'],
  ['activate', 'Activate'],
  ['deactivate', 'Deactivate'],
  ['block', 'Block'],
  ['unblock', 'Unblock'],
  ['unlock', 'Unlock'],
  ['expire', 'Expire password'],
  ['reset', 'Reset password…'],
  ['delete', 'Delete…'],
] as const;
