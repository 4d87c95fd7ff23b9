{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    interaction_id,
    customer_id,
    channel_id,
    date_id,
    interaction_timestamp,
    interaction_type,
    resolution_status,
    satisfaction_score,
    dt as partition_date
from {{ ref('validated_fact_customer_interactions') }}
where quarantine_rule is null
