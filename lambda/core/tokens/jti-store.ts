/** Single-use memory of token ids. */
export interface JtiStore {
  /**
   * Records `jti` as used until `expiresAt` (epoch seconds, the token's exp). Resolves false
   * when it was already used. Must be atomic: of two concurrent calls, one gets false.
   */
  markUsed(jti: string, expiresAt: number): Promise<boolean>;
}
