import { Body, Controller, Get, HttpCode, Param, Post, Put, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminTokenGuard, type AdminRequest } from './admin-token.guard';
import { mapRegistryErrors } from './registry-error.mapper';
import { SUBJECT_ID_SCHEMA, SubjectIdPipe } from './subject-id.pipe';
import { PutOrganizationRequestDto, PutUserRequestDto, RevokeApprovalRequestDto } from './subject-admin.dto';
import { SubjectService } from '../registry/subject.service';
import { SubjectRepository } from '../registry/subject.repository';
import type { HistoryEntry, OrganizationRecord, Stored, UserRecord } from '../registry/subject.schema';

type View<T> = T & { version: number; updatedAt: string; updatedBy: string };

function view<T>(stored: Stored<T>): View<T> {
  return {
    ...stored.record,
    version: stored.version,
    updatedAt: stored.updatedAt.toISOString(),
    updatedBy: stored.updatedBy,
  };
}

/** The subject registry for operators (admin bearer tokens); every change needs a reason and lands in the history. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiServiceUnavailableResponse({ description: 'Registry unavailable (`Retry-After`)' })
@UseGuards(AdminTokenGuard)
@Controller('v1/admin')
export class SubjectAdminController {
  constructor(
    private readonly subjects: SubjectService,
    private readonly repository: SubjectRepository,
  ) {}

  @Put('users/:userId')
  @ApiOperation({ summary: 'Create or replace a user record' })
  @ApiOkResponse({ description: 'The record as stored, with `version` and `changed`' })
  @ApiConflictResponse({ description: 'A concurrent change won: read and retry' })
  @ApiParam({ name: 'userId', schema: SUBJECT_ID_SCHEMA })
  async putUser(
    @Param('userId', new SubjectIdPipe('userId')) userId: string,
    @Body() body: PutUserRequestDto,
    @Req() req: AdminRequest,
  ): Promise<View<UserRecord> & { changed: boolean }> {
    const { reason, ...record } = body;
    const result = await mapRegistryErrors(() =>
      this.subjects.putUser({ ...record, userId }, { actor: `admin:${req.admin}`, source: 'admin', reason }),
    );
    return { ...view(result.stored), changed: result.changed };
  }

  @Get('users/:userId')
  @ApiOperation({ summary: 'Read a user record' })
  @ApiParam({ name: 'userId', schema: SUBJECT_ID_SCHEMA })
  async getUser(@Param('userId', new SubjectIdPipe('userId')) userId: string): Promise<View<UserRecord>> {
    return view(await mapRegistryErrors(() => this.subjects.getUser(userId)));
  }

  @Get('users/:userId/history')
  @ApiOperation({ summary: 'Every change of a user record: who, when, why, before and after' })
  @ApiParam({ name: 'userId', schema: SUBJECT_ID_SCHEMA })
  getUserHistory(@Param('userId', new SubjectIdPipe('userId')) userId: string): Promise<HistoryEntry[]> {
    return mapRegistryErrors(() => this.repository.historyOf('user', userId));
  }

  @Put('organizations/:organizationId')
  @ApiOperation({ summary: 'Create or replace an organisation record' })
  @ApiOkResponse({ description: 'The record as stored, with `version` and `changed`' })
  @ApiConflictResponse({ description: 'A concurrent change won: read and retry' })
  @ApiParam({ name: 'organizationId', schema: SUBJECT_ID_SCHEMA })
  async putOrganization(
    @Param('organizationId', new SubjectIdPipe('organizationId')) organizationId: string,
    @Body() body: PutOrganizationRequestDto,
    @Req() req: AdminRequest,
  ): Promise<View<OrganizationRecord> & { changed: boolean }> {
    const { reason, ...record } = body;
    const result = await mapRegistryErrors(() =>
      this.subjects.putOrganization(
        { ...record, organizationId },
        { actor: `admin:${req.admin}`, source: 'admin', reason },
      ),
    );
    return { ...view(result.stored), changed: result.changed };
  }

  @Get('organizations/:organizationId')
  @ApiOperation({ summary: 'Read an organisation record' })
  @ApiParam({ name: 'organizationId', schema: SUBJECT_ID_SCHEMA })
  async getOrganization(
    @Param('organizationId', new SubjectIdPipe('organizationId')) organizationId: string,
  ): Promise<View<OrganizationRecord>> {
    return view(await mapRegistryErrors(() => this.subjects.getOrganization(organizationId)));
  }

  @Get('organizations/:organizationId/history')
  @ApiOperation({ summary: 'Every change of an organisation record' })
  @ApiParam({ name: 'organizationId', schema: SUBJECT_ID_SCHEMA })
  getOrganizationHistory(
    @Param('organizationId', new SubjectIdPipe('organizationId')) organizationId: string,
  ): Promise<HistoryEntry[]> {
    return mapRegistryErrors(() => this.repository.historyOf('organization', organizationId));
  }

  @Post('organizations/:organizationId/approval/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: "Revoke the organisation's domestic-entity approval" })
  @ApiOkResponse({ description: 'The record as stored, with `version` and `changed`' })
  @ApiConflictResponse({ description: 'A concurrent change won: read and retry' })
  @ApiParam({ name: 'organizationId', schema: SUBJECT_ID_SCHEMA })
  async revokeApproval(
    @Param('organizationId', new SubjectIdPipe('organizationId')) organizationId: string,
    @Body() body: RevokeApprovalRequestDto,
    @Req() req: AdminRequest,
  ): Promise<View<OrganizationRecord> & { changed: boolean }> {
    const result = await mapRegistryErrors(() =>
      this.subjects.revokeApproval(organizationId, {
        actor: `admin:${req.admin}`,
        source: 'admin',
        reason: body.reason,
      }),
    );
    return { ...view(result.stored), changed: result.changed };
  }
}
