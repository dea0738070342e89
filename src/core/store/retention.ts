/** The store contract for retention: purging old messages in bounded batches. */

export interface RetentionStore {
  /**
   * Deletes at most `batchSize` messages sent before `cutoff` (server-clock ms), oldest first,
   * with their reads and recipients, and the chat opens that no longer cover any message.
   * Returns how many messages it deleted: fewer than `batchSize` means none older are left.
   */
  purgeMessagesBefore(cutoff: number, batchSize: number): Promise<number>;
}
