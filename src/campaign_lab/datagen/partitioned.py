"""The national-size layout: every table as a folder of numbered Parquet parts.

``campaign-lab data --voters 10000000 --partitioned`` writes ``voters/part-00000.parquet``,
``voters/part-00001.parquet``, ... (one part per generated chunk of 100,000 voters, so
memory stays flat however many voters there are), and each smaller table as a folder
with one part. The manifest lists every part with its rows and size, so
:func:`check_parts` can name a part that is missing, cut short or unreadable before
any analysis starts; each data page carries a checksum, so :func:`read_part` also
names a part whose bytes changed in place. Dask, DuckDB and pyarrow all read such a folder as one table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from campaign_lab.errors import BadInput, LabError

__all__ = ["PartitionError", "PartitionMissing", "PartitionCorrupt", "TooBigForMemory", "check_fits_in_memory", "PartitionedTableWriter", "part_name", "describe_parts", "check_parts", "read_part"]

PART_PATTERN = "part-*.parquet"


class PartitionError(LabError):
    """A part of a partitioned table cannot be used (exit code 1: the data, not the command, is wrong)."""


class PartitionMissing(PartitionError):
    """A part the manifest lists is not on disk."""


class PartitionCorrupt(PartitionError):
    """A part is cut short, changed since it was written, or not Parquet at all."""


def part_name(index: int) -> str:
    """``part-00042.parquet``: zero-padded, so the parts sort in file order."""
    return f"part-{index:05d}.parquet"


class PartitionedTableWriter:
    """Write one table as a folder of Parquet parts, one part per ``write`` call.

    The same interface as ``_common.TableWriter``; there are no CSV copies of a
    partitioned table (``csv`` must be false).
    """

    def __init__(self, folder: Path, name: str, csv: bool = False):
        if csv:
            raise BadInput("A partitioned data set has no CSV copies: leave out the CSV option.")
        self.folder = folder / name
        self.folder.mkdir()
        self.parts = 0

    def write(self, table: pa.Table) -> None:
        # Page checksums: a part damaged on disk later fails to read instead of giving wrong numbers.
        pq.write_table(table, self.folder / part_name(self.parts), compression="zstd", row_group_size=max(table.num_rows, 1), write_page_checksum=True)
        self.parts += 1
        # Hand freed chunk memory back at once: Arrow's allocator may otherwise keep several chunks' worth.
        pa.default_memory_pool().release_unused()

    def close(self) -> list[Path]:
        return [self.folder]


def describe_parts(folder: Path, tables) -> dict[str, list[dict]]:
    """The manifest's list of parts: ``{table: [{"file", "rows", "bytes"}, ...]}``, read from the part footers."""
    return {name: [_part_entry(path) for path in sorted((folder / name).glob(PART_PATTERN))] for name in tables}


def _part_entry(path: Path) -> dict:
    return {"file": path.name, "rows": pq.read_metadata(path).num_rows, "bytes": path.stat().st_size}


def check_parts(folder: Path, table: str, parts: list[dict]) -> list[Path]:
    """Check that every listed part of ``table`` is there, whole and readable; return their paths.

    Reads only each part's size and footer (milliseconds per part).

    Raises
    ------
    PartitionMissing, PartitionCorrupt
        Naming the first part that fails, and what to do.
    """
    paths = []
    for entry in parts:
        path = folder / table / entry["file"]
        label = f"{table}/{entry['file']}"
        if not path.is_file():
            raise PartitionMissing(f"Part {label} of {folder} is missing: generate the data again (campaign-lab data --partitioned) or restore that file.")
        if path.stat().st_size != entry["bytes"]:
            raise PartitionCorrupt(f"Part {label} of {folder} has changed size since it was written ({path.stat().st_size:,} bytes, not {entry['bytes']:,}): it is corrupt; generate the data again or restore that file.")
        try:
            rows = pq.read_metadata(path).num_rows
        except (OSError, pa.ArrowException) as error:
            raise _corrupt(label, folder, error) from None
        if rows != entry["rows"]:
            raise PartitionCorrupt(f"Part {label} of {folder} holds {rows:,} rows, not {entry['rows']:,}: it is corrupt; generate the data again or restore that file.")
        paths.append(path)
    return paths


def read_part(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """Read one part, turning a damaged file into a one-line :class:`PartitionCorrupt` naming it."""
    path = Path(path)
    try:
        return pq.read_table(path, columns=columns, page_checksum_verification=True)
    except FileNotFoundError:
        raise PartitionMissing(f"Part {path.parent.name}/{path.name} of {path.parent.parent} is missing: generate the data again or restore that file.") from None
    except (OSError, pa.ArrowException) as error:
        raise _corrupt(f"{path.parent.name}/{path.name}", path.parent.parent, error) from None


def _corrupt(label: str, folder: Path, error: Exception) -> PartitionCorrupt:
    reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
    return PartitionCorrupt(f"Part {label} of {folder} cannot be read ({reason}): it is corrupt; generate the data again or restore that file.")


#: Memory one voter takes once loaded as a pandas table (measured: about 790 bytes at 250,000 voters).
PANDAS_BYTES_PER_VOTER = 800
#: Leave this share of the usable memory for everything else (the notebook, copies pandas makes).
MEMORY_HEADROOM = 0.5


class TooBigForMemory(BadInput):
    """A table would not fit in this computer's memory in one piece (exit code 2: use the flag named)."""


def check_fits_in_memory(rows: int, what: str, instead: str) -> None:
    """Refuse, before any work, a table of ``rows`` voters that pandas could not hold in memory here.

    ``instead`` names the flag or option to use (``--partitioned``, ``engine="dask"``).

    Examples
    --------
    >>> check_fits_in_memory(20_000, "the voter file", "--partitioned")
    >>> check_fits_in_memory(10**12, "the voter file", "--partitioned")
    Traceback (most recent call last):
    ...
    campaign_lab.datagen.partitioned.TooBigForMemory: ...
    """
    from campaign_lab.resources import usable_memory_bytes

    needed = rows * PANDAS_BYTES_PER_VOTER
    usable = usable_memory_bytes()
    if needed > usable * MEMORY_HEADROOM:
        raise TooBigForMemory(
            f"{what[:1].upper()}{what[1:]} with {rows:,} voters would need about {needed / 2**30:.1f} GiB of memory in one piece, "
            f"more than half of the {usable / 2**30:.1f} GiB this computer may use: use {instead} instead."
        )
