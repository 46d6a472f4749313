import type { QuarkChainConfig } from "../../../config/cluster-config.ts";
import type { MinorBlock, MinorBlockHeader, TokenBalanceMap } from "../../../messages/core.ts";
import { hex, sameBytes } from "../../../codec/bytes.ts";
import { ValidationError, blockCoinbaseAmount } from "../../chain/block-rules.ts";
import { type BlockNote, STATE_GENESIS, STATE_UNKNOWN } from "../../chain/chain-store.ts";
import type { ShardChain } from "../../chain/shard-chain.ts";
import type { EvmState } from "./evm-state.ts";

/** The state after a block (or at a height) exists in pyquarkchain but is not known here. */
export class StateUnknownError extends Error {
  override readonly name = "StateUnknownError";
}

/**
 * One shard's EVM state wherever it follows from the genesis state and block rewards alone
 * (see BlockNote): the state after the tip, and the state after any stored block, replayed
 * from the nearest known one. What a block with transactions changes would take their
 * execution: the state after it is not known here.
 */
export class DerivedStates {
  private tipState: EvmState | undefined;
  private readonly cache = new Map<string, EvmState>();

  constructor(
    private readonly chain: ShardChain,
    private readonly config: QuarkChainConfig,
    /** A fresh copy of the shard's genesis state. */
    private readonly genesisState: () => EvmState,
  ) {
    this.tipState = this.after(chain.tipHash);
  }

  /** The EVM state after the tip, or undefined when it is not known here. */
  get tip(): EvmState | undefined {
    return this.tipState;
  }

  /** The chain's tip moved: `state` is the state after it when the caller derived it. */
  tipMoved(state: EvmState | undefined): void {
    this.tipState = undefined; // the old tip's state must not answer for the new tip
    this.tipState = state ?? this.after(this.chain.tipHash);
  }

  /**
   * The EVM state after the block, replayed from the genesis state through the block rewards
   * of its ancestors; undefined when some block on the way needs transaction execution.
   * The caller must not change it.
   */
  after(hash: Uint8Array): EvmState | undefined {
    if (this.tipState && sameBytes(hash, this.chain.tipHash)) return this.tipState;
    const cached = this.cache.get(hex(hash));
    if (cached) return cached;
    const store = this.chain.store;
    const path: Array<{ block: MinorBlock; note: BlockNote }> = [];
    let base: EvmState | undefined;
    let at = hash;
    for (;;) {
      const hit = this.cache.get(hex(at));
      if (hit) {
        base = hit.clone();
        break;
      }
      const note = store.blockNote(at);
      const block = store.minorBlock(at);
      if (!note || !block || note.state === STATE_UNKNOWN) return undefined;
      if (note.state === STATE_GENESIS) {
        base = this.genesisState();
        break;
      }
      path.push({ block, note });
      at = block.header.hash_prev_minor_block;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const { block, note } = path[i]!;
      this.creditCoinbase(base, block.header, note.coinbase_key);
    }
    this.remember(hash, base);
    return base;
  }

  /** _get_evm_state_from_height: the tip's state, or the state after canonical block `height` if a block follows it. */
  afterHeight(height: bigint | undefined): EvmState | undefined {
    if (height === undefined || height === this.chain.headerTip.height) {
      if (!this.tipState) throw new StateUnknownError("the state after the tip is not known here");
      return this.tipState;
    }
    const next = this.chain.byHeight(height + 1n);
    if (!next) return undefined;
    const state = this.after(next.header.hash_prev_minor_block);
    if (!state) throw new StateUnknownError(`the state after block ${height} is not known here`);
    return state;
  }

  /**
   * The state after a block without transactions, when the block's reward is its only change
   * (no cross-shard deposit moved value): tried with the full_shard_key an account the reward
   * creates would get (pyquarkchain's state.full_shard_key: the last deposit's target, which
   * is the root coinbase when the block reaches a new root block, else 0), and accepted only
   * if the root matches the block's hash_evm_state_root. Then the block's coinbase must be
   * the reward (run_block's check; throws ValidationError). Kept as the state after the block.
   */
  derive(block: MinorBlock): { state: EvmState; key: number } | undefined {
    const derived = this.tryDerive(block);
    if (!derived) return undefined;
    const expected = blockCoinbaseAmount(this.config, this.chain.shard, block.header.height);
    if (!sameCoinbase(expected, block.header.coinbase_amount_map))
      throw new ValidationError("coinbase reward incorrect");
    return derived;
  }

  /** The block was stored with the state `derive` gave: later lookups find it. */
  stored(hash: Uint8Array, state: EvmState): void {
    this.remember(hash, state);
  }

  private tryDerive(block: MinorBlock): { state: EvmState; key: number } | undefined {
    if (block.tx_list.length > 0) return undefined;
    const parent = this.after(block.header.hash_prev_minor_block);
    if (!parent) return undefined;
    const keys = [0];
    const root = this.chain.store.rootBlock(block.header.hash_prev_root_block);
    if (root) keys.unshift(root.header.coinbase_address.full_shard_key);
    const exists = parent.get(block.header.coinbase_address.recipient) !== undefined;
    for (const key of exists ? [0] : [...new Set(keys)]) {
      const state = parent.clone();
      this.creditCoinbase(state, block.header, key);
      if (sameBytes(state.stateRoot(), block.meta.hash_evm_state_root)) return { state, key };
    }
    return undefined;
  }

  private remember(hash: Uint8Array, state: EvmState): void {
    this.cache.set(hex(hash), state);
    if (this.cache.size > 16) this.cache.delete(this.cache.keys().next().value!);
  }

  /** run_block's "pay miner" for a block without transactions: the reward in the genesis token. */
  private creditCoinbase(state: EvmState, header: MinorBlockHeader, newAccountKey: number): void {
    const [[token, amount]] = blockCoinbaseAmount(this.config, this.chain.shard, header.height).balance_map as [
      [bigint, bigint],
    ];
    const account = state.touch(header.coinbase_address.recipient, newAccountKey);
    if (amount !== 0n) account.balances.set(token, (account.balances.get(token) ?? 0n) + amount);
    state.commit();
  }
}

function sameCoinbase(a: TokenBalanceMap, b: TokenBalanceMap): boolean {
  const nz = (m: TokenBalanceMap) =>
    m.balance_map
      .filter(([, v]) => v !== 0n)
      .map(([k, v]) => `${k}:${v}`)
      .sort()
      .join(",");
  return nz(a) === nz(b);
}
