{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

{{ quarantined_rows('fact_customer_interactions') }}
