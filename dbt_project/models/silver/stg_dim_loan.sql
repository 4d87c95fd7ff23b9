{{ config(materialized='table', dist='all') }}

-- Grain: one row per loan product (loan_id), typed. Reference data: rebuilt whole on every run.
-- Rows breaking a rule are in quarantine_dim_loan instead, with the reason (macros/validation).

with

{{ bronze_validation_ctes('dim_loans') }},

valid as (

    select * from dim_loans__validated
    where quarantine_reason is null

),

renamed as (

    select
        loan_id__typed as loan_id,
        loan_type__typed as loan_type,
        loan_name__typed as loan_name,
        interest_rate__typed as interest_rate,
        term_months__typed as term_months
    from valid

),

final as (

    select * from renamed

)

select * from final
