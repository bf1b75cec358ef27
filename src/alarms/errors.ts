/** Errors of alarm conditions and alarm actions. */

/** An alarm condition that cannot be used; the message says what is wrong and where. */
export class AlarmConditionError extends Error {
  override name = "AlarmConditionError";
}

/** An alarm that cannot be acted on as asked (unknown name, nothing to acknowledge). */
export class AlarmActionError extends Error {
  override name = "AlarmActionError";
}
