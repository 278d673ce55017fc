-- A card's stock is kept as two figures that are never mixed: quantity is
-- WeChat's figure as of the card's last sync (card/get), written only by a
-- sync, and received_since_sync counts the codes recorded here since that sync.
-- Available = quantity - received_since_sync (never below 0). Every sync bumps
-- sync_gen and resets received_since_sync in the same statement; a replica adds
-- its received codes only to the generation they were recorded under, so counts
-- from before a sync never land on the figure it wrote. quantity keeps its name
-- so that replicas of the previous release keep working during a rollout.

-- +goose Up
ALTER TABLE cards ADD COLUMN received_since_sync INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN sync_gen INTEGER NOT NULL DEFAULT 0;

-- +goose Down
UPDATE cards SET quantity = MAX(quantity - received_since_sync, 0);
ALTER TABLE cards DROP COLUMN received_since_sync;
ALTER TABLE cards DROP COLUMN sync_gen;
