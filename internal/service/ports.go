package service

import (
	"context"
	"time"
)

// CardReader reads one card of the local catalogue.
type CardReader interface {
	// GetCard returns ErrNotFound when the card is not in the catalogue.
	GetCard(ctx context.Context, cardID string) (Card, error)
}

// CardStore keeps the local card catalogue.
type CardStore interface {
	CardReader
	// UpsertCard inserts the card or replaces the stored one with the same
	// CardID. c.Quantity is the provider's figure (a sync): codes received
	// before this write no longer count against it.
	UpsertCard(ctx context.Context, c Card) error
	// SetCardStatus changes only a stored card's status (and updated_at to
	// at); ErrNotFound when the card is not in the catalogue.
	SetCardStatus(ctx context.Context, cardID string, status CardStatus, at time.Time) error
	// ListCards returns cards newest first, filtered by status when it is not empty,
	// the number of cards matching the filter (only when f.After is nil) and
	// the cursor of the page's last card when more follow.
	ListCards(ctx context.Context, f CardFilter) ([]Card, int64, *Cursor, error)
	// ListIssuableCards returns cards that passed review, have stock and are in date at now.
	ListIssuableCards(ctx context.Context, now time.Time) ([]Card, error)
}

// CardFilter selects a page of the catalogue.
type CardFilter struct {
	Status CardStatus // empty: any
	Offset int
	Count  int     // 0: a default page size
	After  *Cursor // keyset page after this card (Offset is then 0)
}

// CodeStore keeps the codes users hold.
type CodeStore interface {
	// RecordCode stores the code for its holder. When the (card, code) pair is
	// new it is inserted, the card's local stock (a mirror of WeChat's) is
	// decremented once (never below zero; the store may batch that, and reads
	// may see it a moment later), and created is true. When it exists, holder,
	// status and outer_str are updated (received_at is kept; a final status is
	// never replaced by one that is not, see CodeStatus.Final) and created is
	// false.
	RecordCode(ctx context.Context, c IssuedCode) (stored IssuedCode, created bool, err error)
	// GetCode returns ErrNotFound when the code was never recorded.
	GetCode(ctx context.Context, cardID, code string) (IssuedCode, error)
	// ListCodesByOpenID returns the codes an openid holds, newest first, with the
	// card title; status filters when not empty. p.All returns all of them;
	// otherwise a page, and the cursor of its last row when more follow.
	ListCodesByOpenID(ctx context.Context, openid string, status CodeStatus, p Page) ([]IssuedCode, *Cursor, error)
	// ListCodesByCard returns a page of a card's codes, newest first, filtered by
	// status when it is not empty, how many match the filter (only when p.After
	// is nil) and the cursor of the page's last row when more follow.
	ListCodesByCard(ctx context.Context, cardID string, status CodeStatus, p Page) ([]IssuedCode, int64, *Cursor, error)
	// SetCodeStatus moves a recorded code to status; consumed_at is set to at when
	// the status is consumed. It returns ErrNotFound when the code was never recorded.
	SetCodeStatus(ctx context.Context, cardID, code string, status CodeStatus, at time.Time) (IssuedCode, error)
	// MoveCode sets a recorded code's status to to, in one step, only while its
	// status is one of from and, when holder is not empty, it is held by holder.
	// A code never recorded, or not in that state, is left as it is.
	MoveCode(ctx context.Context, cardID, code, holder string, to CodeStatus, from ...CodeStatus) error
	// ChangeCode re-keys a recorded code (card/code/update). It returns ErrNotFound
	// when oldCode was never recorded and ErrConflict when newCode exists for the card.
	ChangeCode(ctx context.Context, cardID, oldCode, newCode string) error
}

// CardCounter counts what happened to a card: its recorded codes and the
// events the provider pushed about it.
type CardCounter interface {
	CountCodes(ctx context.Context, cardID string) (CodeCounts, error)
	CountEvents(ctx context.Context, cardID, eventType string) (int64, error)
}

// CodeCounts are a card's recorded codes.
type CodeCounts struct {
	Issued   int64 // every code recorded for the card, whatever its status
	Consumed int64
}

// AdminStore keeps merchant accounts.
type AdminStore interface {
	// CreateAdmin returns ErrConflict when the username exists.
	CreateAdmin(ctx context.Context, u AdminUser) (AdminUser, error)
	// GetAdmin returns ErrNotFound when there is no such user.
	GetAdmin(ctx context.Context, username string) (AdminUser, error)
	// ListAdmins returns every account, by username.
	ListAdmins(ctx context.Context) ([]AdminUser, error)
	// UpdateAdmin applies ch and bumps the token version in one transaction;
	// ErrNotFound when there is no such user, ErrLastAdmin when ch would leave
	// no active admin (checked under lock, so two concurrent calls cannot both
	// pass).
	UpdateAdmin(ctx context.Context, username string, ch AdminChange) (AdminUser, error)
	// DeleteAdmin removes an account, with the same errors as UpdateAdmin.
	DeleteAdmin(ctx context.Context, username string) error
	// RecordLogin sets the account's last_login_at.
	RecordLogin(ctx context.Context, username string, at time.Time) error
}

// MiniProgramAuth turns a mini-program login code (wx.login) into the user's openid.
type MiniProgramAuth interface {
	OpenID(ctx context.Context, loginCode string) (string, error)
}

// CardProvider is the platform the cards live on (today the WeChat card API). It
// reports failures as *Error: upstream_error with the platform's errcode in the
// details, upstream_unavailable when the platform cannot be reached in time, and
// not_found / conflict where the platform says so.
type CardProvider interface {
	// CreateCard submits a card definition and returns the new card's id.
	CreateCard(ctx context.Context, definition []byte) (string, error)
	// GetCard returns the card as the platform holds it, with its review status and stock.
	GetCard(ctx context.Context, cardID string) (Card, error)
	// IssueParams returns, for each card of one request in order, what the
	// mini-program passes to the client to receive it (for WeChat, the signed
	// cardExt for wx.addCard).
	IssueParams(ctx context.Context, openid string, items []IssueItem) ([]string, error)
	// RevealCode turns what the client got back on receipt into the real code.
	RevealCode(ctx context.Context, encrypted string) (string, error)
	// CodeHolder reports who holds a code now and in which state; cardID may be
	// empty for codes the provider generated (they are unique on their own).
	CodeHolder(ctx context.Context, cardID, code string) (Holding, error)

	// UpdateCard applies a validated patch; sendCheck reports that the card went
	// back to review.
	UpdateCard(ctx context.Context, card Card, patch []byte) (sendCheck bool, err error)
	// DeleteCard stops distribution; codes already held stay usable.
	DeleteCard(ctx context.Context, cardID string) error
	// ModifyStock raises (delta > 0) or lowers (delta < 0) the stock.
	ModifyStock(ctx context.Context, cardID string, delta int64) error
	// ListCardIDs returns one page of the provider's card ids and the total.
	ListCardIDs(ctx context.Context, offset, count int) ([]string, int, error)
	// Colors lists the colours a card may use.
	Colors(ctx context.Context) ([]Color, error)
}

// CodeProvider redeems and manages issued codes on the provider. Errors as for
// CardProvider; a code the provider does not know is not_found, one already
// consumed or no longer usable is conflict.
type CodeProvider interface {
	CodeHolder(ctx context.Context, cardID, code string) (Holding, error)
	// ConsumeCode redeems the code (核销); it succeeds at most once per code.
	ConsumeCode(ctx context.Context, cardID, code string) (Holding, error)
	// DisableCode makes the code unusable for good.
	DisableCode(ctx context.Context, cardID, code, reason string) error
	// ChangeCode re-keys a code.
	ChangeCode(ctx context.Context, cardID, code, newCode string) error
}

// ImageProvider stores merchant images where cards can use them.
type ImageProvider interface {
	// UploadImage stores a permanent card image (logo, icons) and returns its URL.
	UploadImage(ctx context.Context, filename string, data []byte) (string, error)
	// UploadTempImage stores a temporary image (shop photos) and returns its id.
	UploadTempImage(ctx context.Context, filename string, data []byte) (TempImage, error)
}

// TempImage is a temporary image on the provider.
type TempImage struct {
	MediaID   string
	CreatedAt time.Time
}

// Color is a colour a card may use.
type Color struct {
	Name  string // what card definitions use, e.g. Color010
	Value string // e.g. #63b359
}

// Locker takes short exclusive leases shared by all replicas.
type Locker interface {
	TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(context.Context) error, ok bool, err error)
}

// IssueRequest is one card a user asks to receive.
type IssueRequest struct {
	CardID              string
	Code                string // only for cards with custom codes
	OuterStr            string // channel tag echoed back on receipt
	FixedBeginTimestamp int64  // only for fixed-term cards: when validity starts
}

// IssueItem is one card of a request with what was asked for it.
type IssueItem struct {
	Card    Card
	Request IssueRequest
}

// Holding is what the provider says about an issued code.
type Holding struct {
	CardID   string
	OpenID   string
	Status   CodeStatus
	OuterStr string
	// ProviderStatus is the provider's own word for the state (WeChat's
	// user_card_status: NORMAL, CONSUMED, ...), shown to merchants as is.
	ProviderStatus string
	CanConsume     bool
	BeginTime      int64 // unix seconds; 0 when not reported
	EndTime        int64
}

// TokenIssuer signs session tokens.
type TokenIssuer interface {
	// Issue signs a token; version is the merchant account's token version
	// (0 for users).
	Issue(subject string, role Role, version int64) (token string, ttl time.Duration, err error)
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns a page of entries newest first, and the cursor of its
	// last entry when more follow.
	ListAudit(ctx context.Context, p Page) ([]AuditEntry, *Cursor, error)
}

// Throttle blocks keys (a username and client IP pair) after too many
// failures, and counts failures of others (a username) to slow them down.
type Throttle interface {
	Blocked(ctx context.Context, key string) (bool, time.Duration, error)
	Count(ctx context.Context, key string) (int64, error)
	Fail(ctx context.Context, key string) error
}

// EventStore remembers the events the provider pushed.
type EventStore interface {
	// SeenEvent reports whether an event with this key was recorded.
	SeenEvent(ctx context.Context, key string) (bool, error)
	// RecordEvent stores the event; it returns false, without error, when an
	// event with the same key is already stored.
	RecordEvent(ctx context.Context, e CardEvent) (bool, error)
	// CountEvents counts a card's events of one type.
	CountEvents(ctx context.Context, cardID, eventType string) (int64, error)
}

// EventDecoder checks and decodes what the provider pushes to the callback.
type EventDecoder interface {
	// VerifyURL checks the provider's URL check and returns what to echo.
	VerifyURL(q CallbackQuery) (string, error)
	// Decode verifies a push (signature, freshness, addressee) and returns the event.
	Decode(q CallbackQuery, body []byte) (PushedEvent, error)
}

// PushReplays remembers, for every replica, the first body pushed under one
// (timestamp, nonce) pair while a push with that timestamp can be accepted
// (the shared cache).
type PushReplays interface {
	// SetFirst stores value under key for ttl unless key holds a value, and
	// returns the value key holds afterwards.
	SetFirst(ctx context.Context, key, value string, ttl time.Duration) (string, error)
}

// CallbackQuery is the query of a push or URL check.
type CallbackQuery struct {
	Signature, MsgSignature, Timestamp, Nonce, EncryptType, EchoStr string
}

// SharedHash is a hash kept outside the store and seen by every replica (Redis):
// it holds what must still reach the store when the store is what failed.
type SharedHash interface {
	HSet(ctx context.Context, key, field, value string) error
	HGet(ctx context.Context, key, field string) (string, bool, error)
	HDel(ctx context.Context, key, field string) error
	HGetAll(ctx context.Context, key string) (map[string]string, error)
}

// IdempotencyStore keeps the idempotency keys of merchant writes, shared by all
// replicas (the database: a key is claimed with its unique row).
type IdempotencyStore interface {
	// ClaimKey inserts k unless a row for (k.Scope, k.Key) created at or after
	// notBefore exists (older rows are replaced). It returns the row that holds
	// the key and whether this call inserted it.
	ClaimKey(ctx context.Context, k IdempotencyKey, notBefore time.Time) (held IdempotencyKey, claimed bool, err error)
	// GetKey returns ErrNotFound when the key is not held.
	GetKey(ctx context.Context, scope, key string) (IdempotencyKey, error)
	// FinishKey records the outcome of a claimed key.
	FinishKey(ctx context.Context, scope, key string, state IdempotencyState, result string) error
	// ReleaseKey removes a claimed key, so that a retry runs anew.
	ReleaseKey(ctx context.Context, scope, key string) error
}

// StockStore keeps the local catalogue of 商家券 stocks.
type StockStore interface {
	// UpsertStock inserts the stock or replaces the stored one with the same
	// StockID; a replaced stock keeps its created_at, and its out_request_no
	// when s has none. It returns ErrConflict when s's OutRequestNo belongs to
	// another stock.
	UpsertStock(ctx context.Context, s Stock) error
	// GetStock returns ErrNotFound when the stock is not in the catalogue.
	GetStock(ctx context.Context, stockID string) (Stock, error)
	// GetStockByRequestNo finds the stock created with out_request_no; ErrNotFound
	// when there is none.
	GetStockByRequestNo(ctx context.Context, outRequestNo string) (Stock, error)
	// ListStocks returns stocks newest first, filtered by status when it is not
	// empty, and the number matching the filter.
	ListStocks(ctx context.Context, f StockFilter) ([]Stock, int64, error)
}

// CouponCounter counts the coupons recorded for a stock.
type CouponCounter interface {
	CountCoupons(ctx context.Context, stockID string) (CouponCounts, error)
}

// StockProvider is the platform 商家券 stocks live on (WeChat Pay). It reports
// failures as *Error: not_found for a stock it does not know, conflict when the
// stock's state refuses the change, upstream_error / upstream_unavailable
// otherwise, with the platform's code and message in the details.
type StockProvider interface {
	// CreateStock creates the stock; the same OutRequestNo with the same
	// definition answers the stock already made.
	CreateStock(ctx context.Context, def StockDefinition) (StockCreated, error)
	// GetStock reads the stock, its state and how many coupons were sent.
	// The platform does not report OutRequestNo.
	GetStock(ctx context.Context, stockID string) (Stock, error)
	// ModifyStock changes the stock's information; OutRequestNo is set.
	ModifyStock(ctx context.Context, stockID string, patch StockPatch) error
	// ChangeBudget changes one limit of the stock.
	ChangeBudget(ctx context.Context, stockID string, change BudgetChange) (StockBudget, error)
	// SetCallback sets the merchant's notification URL.
	SetCallback(ctx context.Context, notifyURL string) (CouponCallback, error)
}

// MemberProvider is the platform's member-card API (WeChat card/membercard/*).
// Errors as for CardProvider.
type MemberProvider interface {
	// ActivateMember activates a held member card with its number and opening values.
	ActivateMember(ctx context.Context, a MemberActivation) error
	// ActivationForm reads the form the user submitted behind an activate_ticket.
	ActivationForm(ctx context.Context, ticket string) (MemberForm, error)
	// SetActivationForm sets the one-click activation form of a card.
	SetActivationForm(ctx context.Context, cardID string, form []byte) error
	// ActivationURL is the 开卡组件's address of a one-click card, decoded.
	ActivationURL(ctx context.Context, cardID, outerStr string) (ActivationURL, error)
	// PushTotals sends a member's absolute totals; a repeat changes nothing.
	PushTotals(ctx context.Context, p TotalsPush) (MemberTotals, error)
	// MemberInfo reads the member as the platform holds it.
	MemberInfo(ctx context.Context, cardID, code string) (ProviderMember, error)
}

// MemberStore keeps members and their ledger (points and stored value).
type MemberStore interface {
	// CreateMember inserts m with its opening ledger entries; when (card, code)
	// exists it returns the stored member and created false. A membership
	// number taken on the card is ErrConflict.
	CreateMember(ctx context.Context, m Member, opening []LedgerEntry) (stored Member, created bool, err error)
	// GetMember returns ErrNotFound for an unknown member.
	GetMember(ctx context.Context, cardID, code string) (Member, error)
	// SetMemberForm replaces a member's form answers.
	SetMemberForm(ctx context.Context, cardID, code string, f MemberForm) error
	ListMembers(ctx context.Context, cardID string, p Page) ([]Member, int64, *Cursor, error)
	// ListMembersByOpenID returns an openid's members with the card title.
	ListMembersByOpenID(ctx context.Context, openid string) ([]Member, error)
	// AddLedgerEntry applies e.Delta to the member's e.Kind total and records e
	// (with its e.Status), serialised per member, and appends audit when it is
	// not nil in the same transaction. When e.RequestID is recorded already it
	// changes nothing (audit is not written) and returns that entry with
	// Existing true. A total that would go below zero is ErrBelowZero; an
	// unknown member ErrNotFound.
	AddLedgerEntry(ctx context.Context, e LedgerEntry, audit *AuditEntry) (LedgerRecord, error)
	// PendingTotals returns, read together, the member's totals and its
	// pending entries in id order; ErrNotFound for an unknown member.
	PendingTotals(ctx context.Context, cardID, code string) (MemberTotals, []LedgerEntry, error)
	// MarkApplied marks those of the member's entries ids that are still
	// pending applied.
	MarkApplied(ctx context.Context, cardID, code string, ids []int64) error
	// GetLedgerEntry returns ErrNotFound when there is no such entry of the member.
	GetLedgerEntry(ctx context.Context, cardID, code string, id int64) (LedgerEntry, error)
	// ListLedger returns a member's entries newest first and their number.
	ListLedger(ctx context.Context, cardID, code string, offset, count int) ([]LedgerEntry, int64, error)
}
