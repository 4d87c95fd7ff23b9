{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    interaction_id__as_sent as interaction_id,
    customer_id__as_sent as customer_id,
    channel_id__as_sent as channel_id,
    date_id__as_sent as date_id,
    interaction_timestamp__as_sent as interaction_timestamp,
    interaction_type__as_sent as interaction_type,
    resolution_status__as_sent as resolution_status,
    satisfaction_score__as_sent as satisfaction_score,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_fact_customer_interactions') }}
where quarantine_rule is not null
