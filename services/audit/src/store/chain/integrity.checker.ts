import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuditEventRepository } from '../events/audit-event.repository';
import { HASH_CHAIN } from '../audit.store';
import { HashChain, type ChainBreak } from './hash-chain';

export interface IntegrityReport {
  ok: boolean;
  from?: string;
  to?: string;
  checkedRecords: number;
  chains: { chain: string; records: number; firstSeq: number; lastSeq: number; lastHash: string }[];
  /** The current head of every chain: record them outside the database to anchor the chains. */
  heads: { chain: string; seq: number; hash: string }[];
  firstBreak?: ChainBreak;
}

/**
 * Recomputes the hash chains over the records stored in a time range and names the first link that does not
 * hold. The first record of a chain in the range is checked against the record stored before it (outside the
 * range), so a range check still catches a deletion at its start.
 */
@Injectable()
export class IntegrityChecker {
  constructor(
    private readonly events: AuditEventRepository,
    @Optional() @Inject(HASH_CHAIN) private readonly hashChain: HashChain = new HashChain(),
  ) {}

  async check(from?: Date, to?: Date): Promise<IntegrityReport> {
    const report: IntegrityReport = {
      ok: true,
      ...(from ? { from: from.toISOString() } : {}),
      ...(to ? { to: to.toISOString() } : {}),
      checkedRecords: 0,
      chains: [],
      heads: [],
    };
    let current: IntegrityReport['chains'][number] | undefined;
    let previousHash: string | undefined;
    for await (const record of this.events.streamChains(from, to)) {
      if (current?.chain !== record.chain) {
        current = {
          chain: record.chain,
          records: 0,
          firstSeq: record.seq,
          lastSeq: record.seq,
          lastHash: record.hash,
        };
        report.chains.push(current);
        previousHash = (await this.events.predecessor(record.chain, record.seq))?.hash;
      }
      report.checkedRecords++;
      const broken = this.hashChain.verify(
        { ...record, eventId: record._id, time: record.time.toISOString() },
        previousHash,
      );
      if (broken) return { ...report, ok: false, firstBreak: broken, heads: await this.heads() };
      current.records++;
      current.lastSeq = record.seq;
      current.lastHash = record.hash;
      previousHash = record.hash;
    }
    const heads = await this.heads();
    report.heads = heads;
    const headBreak = await this.checkHeads(heads);
    return headBreak ? { ...report, ok: false, firstBreak: headBreak } : report;
  }

  private async heads(): Promise<IntegrityReport['heads']> {
    return (await this.events.chainHeads()).map((h) => ({ chain: h._id, seq: h.seq, hash: h.hash }));
  }

  /** A head names the last record its writer linked: that record must still be there, unchanged. */
  private async checkHeads(heads: IntegrityReport['heads']): Promise<ChainBreak | undefined> {
    for (const head of heads) {
      const record = await this.events.findBySeq(head.chain, head.seq);
      if (!record || record.hash !== head.hash) {
        return {
          kind: 'head-mismatch',
          chain: head.chain,
          seq: head.seq,
          detail: record
            ? 'the record at the chain head has another hash than the head recorded: replaced'
            : 'the record at the chain head is gone: the newest records of the chain were deleted',
        };
      }
    }
    return undefined;
  }
}
