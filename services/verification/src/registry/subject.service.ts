import { Injectable, Logger } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import type { OrganizationRecordV1, SubjectVerificationV1, UserRecordV1 } from '@clearance/contracts';
import { SubjectRepository, type ChangeContext, type ChangeResult } from './subject.repository';
import type { OrganizationRecord, Stored, UserRecord } from './subject.schema';

/** Input the registry cannot hold (e.g. a malformed CIDR range): the caller answers 400 or dead-letters. */
export class InvalidSubjectError extends Error {}

export class SubjectNotFoundError extends Error {}

/** An update older than the record's last change: applying it would revert a newer one. Nothing was changed. */
export class StaleUpdateError extends Error {}

const date = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));

export function toUserRecord(input: UserRecordV1): UserRecord {
  return {
    userId: input.userId,
    level: input.level,
    residenceCountry: input.residenceCountry?.toUpperCase(),
    verifiedAt: date(input.verifiedAt),
    expiresAt: date(input.expiresAt),
    organizationId: input.organizationId,
    name: input.name,
  };
}

export function toOrganizationRecord(input: OrganizationRecordV1): OrganizationRecord {
  const invalid = input.egressRanges.filter((r) => !ipaddr.isValidCIDR(r));
  if (invalid.length > 0)
    throw new InvalidSubjectError(`egressRanges: not CIDR ranges: ${invalid.join(', ')}`);
  return {
    organizationId: input.organizationId,
    legalName: input.legalName,
    countryOfIncorporation: input.countryOfIncorporation.toUpperCase(),
    parentName: input.parentName,
    parentCountry: input.parentCountry?.toUpperCase(),
    foreignShare: input.foreignShare,
    approval: input.approval && {
      approvalId: input.approval.approvalId,
      approvedAt: new Date(input.approval.approvedAt),
      expiresAt: date(input.approval.expiresAt),
      revoked: input.approval.revoked,
    },
    egressRanges: input.egressRanges,
  };
}

/** Registry changes from the admin API, the KYC webhook and the bulk-sync topic, all through one path. */
@Injectable()
export class SubjectService {
  private readonly logger = new Logger(SubjectService.name);

  constructor(private readonly repository: SubjectRepository) {}

  putUser(input: UserRecordV1, ctx: ChangeContext): Promise<ChangeResult<UserRecord>> {
    return this.repository.putUser(toUserRecord(input), ctx);
  }

  putOrganization(
    input: OrganizationRecordV1,
    ctx: ChangeContext,
  ): Promise<ChangeResult<OrganizationRecord>> {
    return this.repository.putOrganization(toOrganizationRecord(input), ctx);
  }

  async revokeApproval(
    organizationId: string,
    ctx: ChangeContext,
  ): Promise<ChangeResult<OrganizationRecord>> {
    const current = await this.repository.findOrganization(organizationId);
    if (!current) throw new SubjectNotFoundError(`organization ${organizationId} not found`);
    if (!current.record.approval)
      throw new SubjectNotFoundError(`organization ${organizationId} has no approval`);
    if (current.record.approval.revoked) return { changed: false, stored: current };
    return this.repository.putOrganization(
      { ...current.record, approval: { ...current.record.approval, revoked: true, revokedAt: new Date() } },
      ctx,
    );
  }

  async getUser(userId: string): Promise<Stored<UserRecord>> {
    const found = await this.repository.findUser(userId);
    if (!found) throw new SubjectNotFoundError(`user ${userId} not found`);
    return found;
  }

  async getOrganization(organizationId: string): Promise<Stored<OrganizationRecord>> {
    const found = await this.repository.findOrganization(organizationId);
    if (!found) throw new SubjectNotFoundError(`organization ${organizationId} not found`);
    return found;
  }

  /** A bulk-sync or webhook update: organisation first, so a user never points at an organisation not yet stored. */
  async applySync(
    update: Pick<SubjectVerificationV1, 'actor' | 'reason' | 'user' | 'organization'>,
    source: ChangeContext['source'] = 'kafka',
    /** When the update happened at its source: refused if a record it touches changed later. */
    occurredAt?: Date,
  ): Promise<void> {
    const ctx: ChangeContext = { actor: update.actor, reason: update.reason, source };
    if (occurredAt !== undefined) {
      const current = [
        update.organization && (await this.repository.findOrganization(update.organization.organizationId)),
        update.user && (await this.repository.findUser(update.user.userId)),
      ];
      // the source's time has whole seconds: only a change in a later second is newer
      const second = Math.floor(occurredAt.getTime() / 1000);
      const newer = current.find((c) => c && Math.floor(c.updatedAt.getTime() / 1000) > second);
      if (newer) {
        throw new StaleUpdateError(
          `the record changed at ${newer.updatedAt.toISOString()}, after this update (${occurredAt.toISOString()})`,
        );
      }
    }
    if (update.organization) await this.putOrganization(update.organization, ctx);
    if (update.user) await this.putUser(update.user, ctx);
    this.logger.debug({ msg: 'registry sync applied', source, actor: update.actor });
  }
}
