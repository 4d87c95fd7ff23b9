{{ config(sort=['partition_date']) }}

-- Grain: one row per day, channel and currency (partition_date, channel_id, currency_id): the
-- day's Completed transactions and their amount in the account's currency, with the day's date_id,
-- which monthly_transactions_by_channel sums by month. Incremental by window.

{{ daily_completed_transactions(['date_id', 'channel_id']) }}
