"""The aws target's warehouse: Redshift, which dbt-redshift builds on and Spectrum reads bronze for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from banking_dw import settings
from banking_dw.warehouse import AnalystRelation, WarehouseResource, WriterLock


class RedshiftWarehouse(WarehouseResource):
    """Redshift, reached by dbt through the variables its profile reads (`dbt_environment`) and by
    the completeness gate through redshift_connector, always over verified TLS."""

    host: str
    port: int
    user: str
    password: str
    database: str
    # The role Spectrum assumes to read the Glue catalog and the lake (deploy/aws output).
    spectrum_role_arn: str
    # The Glue database Spectrum's external schema mounts: the catalog's.
    spectrum_glue_database: str
    # The secret analysts' pseudonyms are keyed with (BANKING_DW_MASKING_KEY, required on aws).
    masking_key: str

    def kind(self) -> str:
        return "redshift"

    def dbt_target(self) -> str:
        return "aws"

    def dbt_environment(self) -> dict[str, str]:
        return {
            "REDSHIFT_HOST": self.host,
            "REDSHIFT_PORT": str(self.port),
            "REDSHIFT_USER": self.user,
            "REDSHIFT_PASSWORD": self.password,
            "REDSHIFT_DATABASE": self.database,
            "BANKING_DW_REDSHIFT_IAM_ROLE_ARN": self.spectrum_role_arn,
            "BANKING_DW_GLUE_DATABASE": self.spectrum_glue_database,
            settings.MASKING_KEY_ENV: settings.valid_masking_key(self.masking_key, settings.MASKING_KEY_ENV),
        }

    def exclusive_writer(self, run_id: str, log: Callable[[str], None]) -> AbstractContextManager[WriterLock]:
        # Redshift serialises concurrent writers itself; each run deletes and inserts only its window.
        return nullcontext(WriterLock(None))

    def publish_for_analysts(self, relations: Sequence[AnalystRelation], log: Callable[[str], None]) -> None:
        """Nothing to copy: on Redshift the roles are the boundary. dbt's grants give `analyst`
        SELECT on gold and the reports and `pii_reader` alone the restricted schema
        (dbt_project.yml, macros/grants.sql), so analysts read the tables dbt just built, in
        place, and never the clear personal values; a copy would only cost storage and time."""
        return None

    def compare_analysts_copy(self, relations: Sequence[AnalystRelation]) -> None:
        """No copy to compare: analysts read the warehouse's own tables (`publish_for_analysts`)."""
        return None

    def rewrite_after_erasure(self, relations: Sequence[AnalystRelation] | None, log: Callable[[str], None]) -> str:
        """Nothing to rewrite from here: Redshift keeps an updated row's old version as a deleted
        row until its automatic VACUUM DELETE reclaims the block, and no file of it is ours."""
        return "left to Redshift's automatic VACUUM DELETE (no file of the warehouse is kept here)"

    def queries(self, statements: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        import redshift_connector  # only the aws target's dbt step loads the driver

        connection = redshift_connector.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            ssl=True,
            sslmode="verify-full",
        )
        try:
            cursor = connection.cursor()
            answers = []
            for sql in statements:
                cursor.execute(sql)
                answers.append([tuple(row) for row in cursor.fetchall()])
            return answers
        finally:
            connection.close()
