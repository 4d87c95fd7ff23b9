{{ config(dist='all', sort=['investment_type_id']) }}

-- Grain: one row per investment type (investment_type_id), SCD Type 1: each key's row from the latest extract day
-- loaded (the silver history has one row per key per extract day), so the result is the same
-- whatever order the days were loaded in. Rebuilt whole on every run.

with

history as (

    select * from {{ ref('stg_dim_investment_type') }}

),

latest_first as (

    select
        history.*,
        row_number() over (partition by history.investment_type_id order by history.partition_date desc) as recency
    from history

),

final as (

    select
        investment_type_id,
        investment_type_name,
        risk_level,
        partition_date as extract_date
    from latest_first
    where recency = 1

)

select * from final
