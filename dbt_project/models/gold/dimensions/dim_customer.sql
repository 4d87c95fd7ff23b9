{{ config(dist='all', sort=['customer_id', 'valid_from']) }}

-- Grain: one row per customer version (customer_sk), SCD Type 2, for analysts: the versions of
-- dim_customer_pii with each personal column masked by the contract's rule (macros/gold/masking.sql),
-- written here so every engine gives the same values: keyed pseudonyms for the name and email, the
-- birth decade, no phone, address, town, state or join date; country and segment stay.

with

customers as (

    select * from {{ ref('dim_customer_pii') }}

),

final as (

    select
        customers.customer_sk,
        {%- for column in contract_columns('dim_customers') %}
        {{ masked_column('dim_customers', column.name, 'customers.' ~ column.name, key='customers.customer_id') }} as {{ column.name }},
        {%- endfor %}
        customers.valid_from,
        customers.valid_to,
        customers.is_current,
        customers.extract_date
    from customers

)

select * from final
