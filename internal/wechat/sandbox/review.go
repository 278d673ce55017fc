package sandbox

import (
	"time"
)

// Card review (§4.1): a created card, or one whose update set send_check,
// is CARD_STATUS_NOT_VERIFY for Options.ReviewDelay, then passes and WeChat
// pushes card_pass_check. Review happens without anyone asking, so a timer
// passes the card when the delay has elapsed in real time; a call that looks
// at the card after the emulator's clock (Options.Now, perhaps a test's fake
// clock) reached reviewAt passes it too. Whichever comes first pushes the
// event, once. The emulator never refuses a card, so card_not_pass_check is
// never pushed.

// startReview puts cd under review from now. Called with the lock held.
func (e *Emulator) startReview(st *state, cd *card, now time.Time) {
	cd.status = cardNotVerify
	cd.reviewAt = now.Add(e.reviewDelay)
	cd.reviewSeq++
	if old := st.reviewTimers[cd.id]; old != nil {
		old.Stop()
		delete(st.reviewTimers, cd.id)
	}
	if e.reviewDelay <= 0 {
		st.passReview(cd, now)
		return
	}
	seq := cd.reviewSeq
	st.reviewTimers[cd.id] = time.AfterFunc(e.reviewDelay, func() { e.reviewElapsed(cd, seq) })
}

// reviewElapsed is a review timer firing. The card may have been re-sent to
// review (seq), deleted, or forgotten by sandbox/reset meanwhile.
func (e *Emulator) reviewElapsed(cd *card, seq int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	if st.cards[cd.id] != cd || cd.reviewSeq != seq {
		return
	}
	delete(st.reviewTimers, cd.id)
	st.passReview(cd, e.now())
}

// refreshCard applies what the clock has done: review passes at reviewAt.
func (st *state) refreshCard(cd *card, now time.Time) {
	if cd.status == cardNotVerify && !now.Before(cd.reviewAt) {
		st.passReview(cd, now)
	}
}

// passReview passes a card under review and pushes card_pass_check.
func (st *state) passReview(cd *card, now time.Time) {
	if cd.status != cardNotVerify {
		return // deleted meanwhile, or already passed
	}
	cd.status = cardVerifyOK
	if t := st.reviewTimers[cd.id]; t != nil {
		t.Stop()
		delete(st.reviewTimers, cd.id)
	}
	ev := newEvent("card_pass_check", st.px.systemOpenID, now)
	ev.CardID = cd.id
	st.emit(ev)
}

// stopReviews stops every pending review timer (reset). A timer that has
// already fired finds its card gone and does nothing.
func (st *state) stopReviews() {
	for id, t := range st.reviewTimers {
		t.Stop()
		delete(st.reviewTimers, id)
	}
}
