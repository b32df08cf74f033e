package bus

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Streams, buckets and subjects: every NATS name Guichet uses is defined here,
// so that an operator can find them all in one place and inspect them with the
// nats CLI. The package that owns a bucket declares its configuration
// (DeclareBucket).

// Streams.
const (
	// StreamSubmissions is the record of truth: one message per accepted submission.
	StreamSubmissions = "SUBMISSIONS"
	// StreamEvents is the append-only log of status changes.
	StreamEvents = "EVENTS"
	// StreamDeadLetter captures the advisories of messages that processors gave up on.
	StreamDeadLetter = "DEADLETTER"
	// StreamAudit is the append-only security log: logins, sessions, tokens, accounts.
	StreamAudit = "AUDIT"
)

// Key-value buckets.
const (
	// BucketMeta holds facts about the data itself, such as the version of
	// its layout ("schema"), for the migrations.
	BucketMeta = "meta"
	// BucketForms holds form drafts and their immutable published versions.
	BucketForms = "forms"
	// BucketFormEdits holds, by form, the drafts an admin may go back to
	// and forward again (undo and redo).
	BucketFormEdits = "form_edits"
	// BucketDepartments holds the departments, keyed by id.
	BucketDepartments = "departments"
	// BucketAccounts holds agent and admin accounts, keyed by id.
	BucketAccounts = "accounts"
	// BucketTokens holds API bearer tokens, keyed by the SHA-256 of the token.
	BucketTokens = "tokens"
	// BucketCredentials holds argon2id password hashes, keyed by account id.
	BucketCredentials = "credentials"
	// BucketSessions holds browser sessions, keyed by the SHA-256 of the
	// session id; entries expire after identity.SessionMaxAge.
	BucketSessions = "sessions"
	// BucketLoginFailures counts failed logins per account and per client
	// address; entries expire after identity.LoginFailureWindow.
	BucketLoginFailures = "login_failures"
	// BucketSignInLinks holds the one-time sign-in links sent by email,
	// keyed by the SHA-256 of their token; entries expire after
	// identity.SignInLinkLifetime.
	BucketSignInLinks = "signin_links"
	// BucketStatus holds the current status of each submission, keyed by reference.
	BucketStatus = "status"
	// BucketInbox indexes routed submissions by department (see InboxKey).
	BucketInbox = "inbox"
	// BucketSeen remembers which agent has opened which dossier, keyed
	// "<account>.<reference>", for the inbox's unread markers.
	BucketSeen = "seen"
	// BucketPaper holds the number of paper forms received, keyed
	// "<form>.<YYYY-MM>", entered by admins for the statistics.
	BucketPaper = "paper"
	// BucketWebhooks holds the webhooks admins register, by id.
	BucketWebhooks = "webhooks"
	// BucketDeliveries records each webhook delivery, keyed
	// "<webhook>.<event sequence>": delivered or failed, attempts, last error.
	BucketDeliveries = "deliveries"
	// BucketUploads records each file received, by its id (see
	// UploadName): its type, size, SHA-256, scan result, and what holds it.
	BucketUploads = "uploads"
	// BucketWorkflows holds the approval state of internal requests, by reference.
	BucketWorkflows = "workflows"
	// BucketNotifications remembers which events were emailed, keyed
	// "<consumer>.<event sequence>" (or see DraftNoticeKey), so that a
	// redelivery sends nothing twice;
	// its values are backoffice.MailSending, backoffice.MailSent, or why
	// nothing is sent.
	BucketNotifications = "notifications"
	// BucketReceipts holds each submission's signed acknowledgement of
	// receipt, keyed by reference, and each form's last receipt, which the
	// next one names, under ChainKey (see package receipts).
	BucketReceipts = "receipts"
	// BucketReceiptKeys holds the public keys that sign receipts, by key
	// ID, with their periods: what anyone needs to check a receipt.
	BucketReceiptKeys = "receipt_keys"
	// BucketLetters holds the templates of the decision letters, keyed
	// "form.<id>" or "department.<id>" (see LetterKey).
	BucketLetters = "letters"
	// BucketDrafts holds forms saved to be finished later, keyed by the
	// SHA-256 of their resume token; entries expire after submit.MaxDraftAge.
	BucketDrafts = "drafts"
	// BucketAccountDrafts lists the drafts each agent started signed in,
	// keyed by AccountDraftKey, with no value; entries expire with them.
	BucketAccountDrafts = "account_drafts"
)

// TokenSecretKey is the meta-bucket key of the secret that intake derives
// the receipt tokens of submissions sent with an Idempotency-Key from.
const TokenSecretKey = "token-secret"

// ReceiptKey is the receipts-bucket key of the receipt of a version of a
// submission: its reference for the first, then "<reference>.r<n>".
func ReceiptKey(reference string, revision int) string { return SubmissionMsgID(reference, revision) }

// ChainKey is the receipts-bucket key of a form's last receipt. It has
// one token more than any receipt's key, so that ReceiptSubjects leave it
// out.
func ChainKey(form string) string { return "chain." + form + ".head" }

// ObjectStoreDocuments holds PDFs and attachments, keyed by reference.
const ObjectStoreDocuments = "documents"

// DocumentsStream is the stream under the documents object store.
const DocumentsStream = "OBJ_" + ObjectStoreDocuments

// DocumentChunks is the subject of the chunks of the document whose
// description gives it nuid.
func DocumentChunks(nuid string) string { return "$O." + ObjectStoreDocuments + ".C." + nuid }

// DocumentMetaSubject is the subject of the description of the document
// named name, which the documents stream holds one message of.
func DocumentMetaSubject(name string) string {
	return "$O." + ObjectStoreDocuments + ".M." + base64.URLEncoding.EncodeToString([]byte(name))
}

// KeySubject is the subject of key in a key-value bucket.
func KeySubject(bucket, key string) string { return "$KV." + bucket + "." + key }

// ReceiptSubjects match the receipts of the receipts bucket, every
// version's ("<reference>", "<reference>.r<n>"), and not the chain heads.
var ReceiptSubjects = []string{KeySubject(BucketReceipts, "*"), KeySubject(BucketReceipts, "*.*")}

// ReceiptKeyOf is the receipts-bucket key that a message on
// ReceiptSubjects sets.
func ReceiptKeyOf(subject string) string {
	return strings.TrimPrefix(subject, "$KV."+BucketReceipts+".")
}

// IsChainKey reports whether a receipts-bucket key is a form's chain head
// rather than a receipt: "chain.<form>.head", or "chain.<form>" as the
// heads were kept before migration 2.
func IsChainKey(key string) bool { return strings.HasPrefix(key, "chain.") }

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id on
// SUBMISSIONS and EVENTS: long enough for a client's retries of a
// correction or of a back-office change, the only writes that carry one.
const DuplicateWindow = 2 * time.Minute

// SubmissionSubject is the subject a submission to form formID is published on.
func SubmissionSubject(formID string) string { return "submissions." + formID }

// RevisionSubject is the subject a corrected version of a submission to
// form formID is published on: beside its first versions, so that a
// filter on SubmissionSubject or on FirstVersions sees each submission
// once, and SubmissionSubjects sees every version.
func RevisionSubject(formID string) string { return "submissions." + formID + ".revision" }

// SubmissionSubjects matches every version of every submission.
const SubmissionSubjects = "submissions.>"

// IdempotencySubject is the subject, in SUBMISSIONS, of the mark that an
// Idempotency-Key was used on form formID: keyHash is the key's hash. The
// mark holds one message, stored in one atomic batch with the submission,
// which comes right after it.
func IdempotencySubject(formID, keyHash string) string {
	return "idempotency." + formID + "." + keyHash
}

// IdempotencySubjects matches the marks of every Idempotency-Key.
const IdempotencySubjects = "idempotency.>"

// FirstVersions matches the first version of every submission.
const FirstVersions = "submissions.*"

// SubmissionMsgID is the Nats-Msg-Id of a version of a submission: its
// reference for the first, then "<reference>.r<n>".
func SubmissionMsgID(reference string, revision int) string {
	if revision <= 1 {
		return reference
	}
	return reference + ".r" + strconv.Itoa(revision)
}

// EventSubject is the subject of the events of a back-office change that
// moves reference to status. Submissions processed before the stages
// shared one subject (StagesSubject) also have one per stage.
func EventSubject(reference, status string) string { return "events." + reference + "." + status }

// StagesSubject is the subject of the events of a submission's processing
// stages, received, routed and documented: one subject for them all,
// since each subject costs the server memory for as long as it is stored.
// Each message names the stages the subject holds up to it (StagesHeader).
func StagesSubject(reference string) string { return "events." + reference + ".stages" }

// StagesEvents matches the stages of every submission.
const StagesEvents = "events.*.stages"

// StagesHeader is the header that, on each message of a stages subject,
// lists the stages the subject holds up to and including that message, in
// the order they were written: "received,routed,documented".
const StagesHeader = "Guichet-Stages"

// RoutedHeader is the header that, on each message of a stages subject
// from the routing on, says where and when the submission was routed: its
// department and the time in RFC 3339, separated by a space.
const RoutedHeader = "Guichet-Routed"

// TrailSubject is the subject of an entry of a dossier's audit trail: who
// (account) did what (kind: viewed, note, assigned…) on reference.
func TrailSubject(reference, kind, account string) string {
	return "events." + reference + ".trail." + kind + "." + account
}

// DossierTrail matches the audit trail of one dossier.
func DossierTrail(reference string) string { return "events." + reference + ".trail.>" }

// AccountTrail matches what one account did on every dossier.
func AccountTrail(account string) string { return "events.*.trail.*." + account }

// MessageSubject is the subject of a message from a dossier's agents to
// its submitter, which the notify consumer emails.
func MessageSubject(reference string) string { return "events." + reference + ".message" }

// MessageSubjects matches the messages to every submitter.
const MessageSubjects = "events.*.message"

// WorkflowSubject is the subject of the decisions on a request's approval.
func WorkflowSubject(reference string) string { return "events." + reference + ".workflow" }

// WorkflowSubjects matches the approval decisions of every request.
const WorkflowSubjects = "events.*.workflow"

// EventsOf matches every event of one submission: its stages, status
// changes, trail, messages and approvals.
func EventsOf(reference string) string { return "events." + reference + ".>" }

// EventSubjects matches every event.
const EventSubjects = "events.>"

// EventsWithStatus matches the events of every reference that reach status.
func EventsWithStatus(status string) string { return "events.*." + status }

// AuditSubject is the subject of a security event of kind (for example
// "login.failed") about an account.
func AuditSubject(kind, accountID string) string { return "audit." + kind + "." + accountID }

// AuditSubjects matches every security event.
const AuditSubjects = "audit.>"

// DeadLetterSubjects are the advisories that the DEADLETTER stream captures:
// messages of the streams that processors consume (SUBMISSIONS, EVENTS,
// the receipts) that exhausted their deliveries or were terminated by a
// processor.
var DeadLetterSubjects = func() []string {
	var out []string
	for _, stream := range []string{StreamSubmissions, StreamEvents, BucketStream(BucketReceipts)} {
		out = append(out, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+stream+".*", "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+stream+".*")
	}
	return out
}()

// FormDraftKey is the forms-bucket key of a form's draft.
func FormDraftKey(formID string) string { return formID + ".draft" }

// FormVersionKey is the forms-bucket key of a published version.
func FormVersionKey(formID string, version int) string {
	return formID + ".v" + strconv.Itoa(version)
}

// FormLatestKey is the forms-bucket key holding the number of a form's latest version.
func FormLatestKey(formID string) string { return formID + ".latest" }

// FormLatestKeys matches the latest-version keys of every form.
const FormLatestKeys = "*.latest"

// FormDraftKeys matches the draft keys of every form.
const FormDraftKeys = "*.draft"

// FormKeys matches every key of one form: its draft, versions and marks.
func FormKeys(formID string) string { return formID + ".*" }

// FormArchivedKey is the forms-bucket key marking a form archived.
func FormArchivedKey(formID string) string { return formID + ".archived" }

// InboxKey is the inbox-bucket key of a routed submission. Keys sort by
// submission time within a department, so listing them newest first is a
// reverse sort.
func InboxKey(department string, submittedAt time.Time, reference string) string {
	return department + "." + fmt.Sprintf("%020d", submittedAt.UnixNano()) + "." + reference
}

// SeenKey is the seen-bucket key of an agent's first look at a dossier.
func SeenKey(account, reference string) string { return account + "." + reference }

// PaperKey is the paper-bucket key of a form's paper count for a month ("2026-03").
func PaperKey(form, month string) string { return form + "." + month }

// LetterKey is the letters-bucket key of the template of a form or a
// department (scope "form" or "department").
func LetterKey(scope, id string) string { return scope + "." + id }

// NotificationKey is the notifications-bucket key of the email that a
// consumer sends about the event at seq of EVENTS.
func NotificationKey(consumer string, seq uint64) string {
	return consumer + "." + strconv.FormatUint(seq, 10)
}

// AccountDraftKey is the account_drafts key that lists a draft (by its key
// in the drafts bucket) under the account that started it.
func AccountDraftKey(account, draft string) string { return account + "." + draft }

// DraftNoticeKey is the notifications-bucket key of the email that tells
// the owner of a draft (by its key in the drafts bucket) that a new
// version of its form refuses some of its answers; about names which
// answers and why, so that a later version refusing the same ones tells
// nothing new.
func DraftNoticeKey(draft, about string) string {
	return ConsumerUnfitDrafts + "." + draft + "." + about
}

// StatusEvents matches the status events of every submission, not the trail.
const StatusEvents = "events.*.*"

// InboxKeys matches the inbox keys of one department.
func InboxKeys(department string) string { return department + ".>" }

// DocumentRecordName is the object-store name of the PDF record of a
// version of a submission: "record.pdf" for the first, then
// "record-r<n>.pdf".
func DocumentRecordName(reference string, revision int) string {
	if revision <= 1 {
		return reference + "/record.pdf"
	}
	return reference + "/record-r" + strconv.Itoa(revision) + ".pdf"
}

// DecisionName is the object-store name of the decision letter of the
// decision at position index of a submission's history.
func DecisionName(reference string, index int) string {
	return reference + "/decision-" + strconv.Itoa(index) + ".pdf"
}

// UploadName is the object-store name of a file sent with a submission,
// given when it arrives: id is its own, drawn at random.
func UploadName(id string) string { return "uploads/" + id }

// UploadID reads the id of an upload from its object-store name.
func UploadID(name string) (string, bool) { return strings.CutPrefix(name, "uploads/") }

// AttachmentName is the object-store name of a submission's n-th attached
// file, as they were named before layout 3 (see UploadName).
func AttachmentName(reference string, n int) string {
	return reference + "/attachments/" + strconv.Itoa(n)
}

// Durable consumer names.
const (
	ConsumerPDF   = "pdf"
	ConsumerRoute = "route"
	// ConsumerNotify emails submitters on EVENTS.
	ConsumerNotify = "notify"
	// ConsumerWebhooks delivers status changes to the webhooks.
	ConsumerWebhooks = "webhooks"
	// ConsumerDecision writes the decision letters on EVENTS.
	ConsumerDecision = "decision"
	// ConsumerWorkflow starts and advances approval workflows on EVENTS.
	ConsumerWorkflow = "workflow"
	// ConsumerReceipt signs the submissions' receipts, in order.
	ConsumerReceipt = "receipt"
	// ConsumerUnfitDrafts tells, on AUDIT, the owners of the drafts that a
	// form's new version refuses answers of.
	ConsumerUnfitDrafts = "unfit-drafts"
)
