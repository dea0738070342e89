/**
 * Compile-time checks: this file only builds if msgParam is typed by msgKey. `@ts-expect-error`
 * fails the build when the line below it is *not* an error.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { BatchSendOTORequest, OrgGroupSendRequest } from '../../src/client/index.js';

const good: OrgGroupSendRequest = {
  robotCode: 'r',
  openConversationId: 'c',
  msgKey: 'sampleMarkdown',
  msgParam: { title: 'T', text: 'body' },
};

const typo: OrgGroupSendRequest = {
  robotCode: 'r',
  openConversationId: 'c',
  msgKey: 'sampleMarkdown',
  // @ts-expect-error a misspelt key of sampleMarkdown's params does not compile
  msgParam: { title: 'T', txet: 'body' },
};

const wrongKey: BatchSendOTORequest = {
  robotCode: 'r',
  userIds: ['u'],
  // @ts-expect-error an unknown msgKey does not compile
  msgKey: 'sampleTxt',
  msgParam: '{}',
};

it('types msgParam by msgKey (checked when the suite compiles)', () => {
  assert.equal(good.msgKey, 'sampleMarkdown');
  assert.ok(typo && wrongKey);
});
