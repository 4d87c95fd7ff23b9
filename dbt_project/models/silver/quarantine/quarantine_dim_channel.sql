{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    channel_id__as_sent as channel_id,
    channel_name__as_sent as channel_name,
    is_digital__as_sent as is_digital,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_channel') }}
where quarantine_rule is not null
