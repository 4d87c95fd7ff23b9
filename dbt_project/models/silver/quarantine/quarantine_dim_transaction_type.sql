{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    transaction_type_id__as_sent as transaction_type_id,
    transaction_type_name__as_sent as transaction_type_name,
    direction__as_sent as direction,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_transaction_type') }}
where quarantine_rule is not null
