{{ config(sort=['partition_date']) }}

-- Grain: one row per day, location and currency (partition_date, location_id, currency_id): the
-- day's Completed transactions and their amount in the account's currency, which
-- geographic_distribution sums. Incremental by window.

{{ daily_completed_transactions(['location_id']) }}
