import { isAdministrator } from '../access/actor.js';
import { recordAudit } from '../audit/record.js';
import type { Db, Queryable } from '../db/connection.js';
import type { User } from '../db/schema.js';
import { readSetting, writeSetting } from '../settings/console-settings.js';

const REQUIRE_FOR_ADMINISTRATORS = 'require_admin_two_step';

/** Whether a superuser has required two-step verification of every administrator. */
export function requiredForAdministrators(db: Queryable): boolean {
  return readSetting(db, REQUIRE_FOR_ADMINISTRATORS) === true;
}

/** Sets the requirement and audits the change; false when it was already so. */
export function setRequiredForAdministrators(
  db: Db,
  required: boolean,
  by: { id: number; name: string; requestId?: string },
  now = new Date(),
): boolean {
  return db.transaction(
    (tx) => {
      const before = requiredForAdministrators(tx);
      if (before === required) return false;
      writeSetting(tx, REQUIRE_FOR_ADMINISTRATORS, required, by.id, now);
      recordAudit(
        tx,
        {
          action: 'settings.two_step',
          actor: { id: by.id, name: by.name },
          changes: { requireAdministratorTwoStep: [before, required] },
          requestId: by.requestId,
        },
        now,
      );
      return true;
    },
    { behavior: 'immediate' },
  );
}

/**
 * Whether the account must have a second step before it may do anything else. The user form's
 * "Require two-step verification" (users.two_step_enabled) asks it of one account, in the portal
 * and the console alike; the console setting asks it of every administrator, in the console.
 * Neither enrols anyone: the person chooses their method at their next sign-in.
 */
export function twoStepRequired(
  db: Queryable,
  user: Pick<User, 'twoStepEnabled' | 'adminRole'>,
  where: 'console' | 'portal',
): boolean {
  if (user.twoStepEnabled) return true;
  return where === 'console' && isAdministrator(user) && requiredForAdministrators(db);
}

/** Whether the account still has to set up its second step before going anywhere else. */
export function mustEnrol(
  db: Queryable,
  user: Pick<User, 'twoStepEnabled' | 'adminRole' | 'twoStepMethod'>,
  where: 'console' | 'portal',
): boolean {
  return user.twoStepMethod === null && twoStepRequired(db, user, where);
}
