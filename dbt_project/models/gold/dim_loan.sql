{{ config(materialized='table', dist='all') }}

-- Grain: one row per loan product (loan_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_loan') }}

),

final as (

    select * from source

)

select * from final
