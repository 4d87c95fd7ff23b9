{{ config(materialized='table', dist='all') }}

-- Grain: one row per transaction type (transaction_type_id), typed. Reference data: rebuilt whole on every run.
-- Rows breaking a rule are in quarantine_dim_transaction_type instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_transaction_types') }},

valid as (

    select * from dim_transaction_types__validated
    where quarantine_reason is null

),

renamed as (

    select
        transaction_type_id__typed as transaction_type_id,
        transaction_type_name__typed as transaction_type_name,
        direction__typed as direction
    from valid

),

final as (

    select * from renamed

)

select * from final
