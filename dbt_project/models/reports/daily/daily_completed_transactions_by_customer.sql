{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per day, customer and currency (partition_date, customer_id, currency_id): the
-- day's Completed transactions and their amount in the account's currency. Incremental by window,
-- so top_customers_by_transaction_volume sums these instead of every transaction ever loaded; it
-- converts to USD at today's rates, as from the transactions themselves.

{{ daily_completed_transactions(['customer_id']) }}
