/**
 * Request and response types of DingTalk's robot read-status APIs, with the wire's field names
 * (the official SDK's request and response models). `msgParam` is typed by `msgKey`.
 */

/** The params of each message template (DingTalk's catalogue for enterprise robots). */
export interface MsgParams {
  sampleText: { content: string };
  sampleMarkdown: { title: string; text: string };
  sampleImageMsg: { photoURL: string };
  sampleLink: { text: string; title: string; picUrl: string; messageUrl: string };
  sampleActionCard: { title: string; text: string; singleTitle: string; singleURL: string };
  sampleActionCard2: { title: string; text: string; actionTitle1: string; actionURL1: string; actionTitle2: string; actionURL2: string };
  sampleActionCard3: MsgParams['sampleActionCard2'] & { actionTitle3: string; actionURL3: string };
  sampleActionCard4: MsgParams['sampleActionCard3'] & { actionTitle4: string; actionURL4: string };
  sampleActionCard5: MsgParams['sampleActionCard4'] & { actionTitle5: string; actionURL5: string };
  sampleActionCard6: {
    title: string;
    text: string;
    buttonTitle1: string;
    buttonUrl1: string;
    buttonTitle2: string;
    buttonUrl2: string;
  };
  /** `duration` in milliseconds, as a string. */
  sampleAudio: { mediaId: string; duration: string };
  sampleFile: { mediaId: string; fileName: string; fileType: string };
  sampleVideo: { duration: string; videoMediaId: string; videoType: string; picMediaId: string };
}

export type MsgKey = keyof MsgParams;

/**
 * A message: a known `msgKey` with its params as an object (checked at compile time) or as the
 * JSON string DingTalk takes on the wire.
 */
export type MessageContent = {
  [K in MsgKey]: { msgKey: K; msgParam: MsgParams[K] | string };
}[MsgKey];

export type SendStatus = 'SUCCESS' | 'RECALLED' | 'PROCESSING';

export type BatchSendOTORequest = MessageContent & { robotCode: string; userIds: string[] };
export interface BatchSendOTOResponse {
  processQueryKey: string;
  invalidStaffIdList: string[];
  flowControlledStaffIdList: string[];
  /** Sent by newer DingTalk deployments only. */
  filteredStaffIdList?: string[];
}

export interface BatchOTOQueryRequest {
  robotCode: string;
  processQueryKey: string;
}
export interface MessageReadInfo {
  name: string;
  userId: string;
  readStatus: 'READ' | 'UNREAD';
  readTimestamp?: number;
}
export interface BatchOTOQueryResponse {
  sendStatus: SendStatus;
  messageReadInfoList: MessageReadInfo[];
}

export interface BatchRecallOTORequest {
  robotCode: string;
  processQueryKeys: string[];
}
export interface RecallResponse {
  successResult: string[];
  /** processQueryKey → reason. */
  failedResult: Record<string, string>;
}

export type OrgGroupSendRequest = MessageContent & {
  robotCode: string;
  openConversationId: string;
  coolAppCode?: string;
};
export interface SendResponse {
  processQueryKey: string;
}

export interface ChatQueryRequest {
  openConversationId: string;
  robotCode: string;
  processQueryKey: string;
  /** 1 to 200. */
  maxResults?: number;
  nextToken?: string;
}
export interface ChatQueryResponse {
  sendStatus: SendStatus;
  readUserIds: string[];
  hasMore: boolean;
  nextToken?: string;
}

export interface ChatRecallRequest {
  openConversationId: string;
  robotCode: string;
  processQueryKeys: string[];
}

export type PrivateChatSendRequest = MessageContent & {
  robotCode: string;
  openConversationId: string;
  coolAppCode: string;
};

export interface AccessTokenResponse {
  accessToken: string;
  /** Seconds. */
  expireIn: number;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call, in milliseconds. */
  timeoutMs?: number;
  /**
   * Sends and recalls are not retried, because a retry after a lost answer could send twice.
   * `true` opts in for this call.
   */
  retry?: boolean;
}
