{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per customer-service interaction (interaction_id). Carries the natural ids and the
-- surrogate key of the customer version valid at interaction_timestamp.
-- Windowed: a build writes the window's days, and its publish replaces them (macros/publish/candidates.sql).

select
    interactions.interaction_id,
    interactions.customer_id,
    interactions.channel_id,
    interactions.date_id,
    interactions.interaction_timestamp,
    interactions.interaction_type,
    interactions.resolution_status,
    interactions.satisfaction_score,
    customers.customer_sk,
    interactions.partition_date
from {{ ref('stg_fact_customer_interactions') }} as interactions
{{ join_version_valid_at('dim_customer', 'customers', 'customer_id', 'interactions.customer_id', 'interactions.interaction_timestamp') }}
where {{ window_filter('interactions.partition_date') }}
