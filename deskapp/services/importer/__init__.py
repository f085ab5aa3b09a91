"""导入: complaints dispatched from the hotline system (10086下单) or migrated from an older
system, from a CSV or XLSX file in the column layout of docs/import.md.

Every row is checked on its own; a bad row is reported with its line number and the reason,
and the good rows are imported. Importing the same file again creates nothing new: a row's
record id is derived from the row (uuid5 over the source system and the external ticket
number, or over the row's normalized content when it has none), and a row whose id is already
in the store is skipped.

Imported records are written through `Desk.write(actor_id)`, so the change log captures every
row with the importing staff member as the actor, as for a typed complaint. They are honest
about what they are:

* their `registered` event says `imported` (with the source, the external number, the file
  and its line, and when the import happened);
* a row that arrives closed (已结案 / 已回访) keeps its own past: registered when received,
  closed at its closing time, with its outcome and satisfaction; its handling happened
  elsewhere, so the reports do not judge its timeliness. A closed row not marked 已回访 is due
  its return visit like any closed ticket;
* a row that arrives open (处理中) is registered at the moment of import: its follow-up clocks
  start when it reaches the desk, and it enters the follow-up queue.

The intake rules apply where they make sense for a record made elsewhere: required fields, text
limits, phone and service numbers, a level-3 cause (a level-4 path also sets the finding), the
severity floor of the channel (going below needs a reason), on-the-spot rules, repeat linking
(same contact phone within the look-back window). What does not apply to a past record is the
30-day limit on the received time and the promise in the future; a received time in the future
or before 2000, or a closing time before receiving, is refused. `take_complaint`'s rules for a
typed complaint are not touched.

The package, a module a job: `files` (reading, encodings), `columns` (the column vocabulary),
`rows` (what a row becomes, its record id), `parsing` (a row checked), `repeats` (repeat
linking), `compare` (a row already imported), `spool` (the checked rows on disk), `writing`
(the records and events; numbers from deskapp/services/ticket_numbers.py), `pipeline`
(`import_file`), `actor` (who the import is recorded under), `worker` (the second process
that checks rows and makes records for a large file)."""

from deskapp.services.importer.actor import importing_actor
from deskapp.services.importer.columns import (
    BY_FIELD,
    CHANNELS,
    COLUMNS,
    SATISFACTIONS,
    SEVERITIES,
    STATUSES,
    ImportColumn,
)
from deskapp.services.importer.compare import _COMPARED
from deskapp.services.importer.files import read_rows
from deskapp.services.importer.parsing import _Parser
from deskapp.services.importer.pipeline import BATCH, import_file
from deskapp.services.importer.rows import (
    NAMESPACE,
    ImportResult,
    ParsedRow,
    RowProblem,
    external_key,
    import_id,
)
from deskapp.services.importer.spool import _Spool

__all__ = [
    "BATCH",
    "BY_FIELD",
    "CHANNELS",
    "COLUMNS",
    "NAMESPACE",
    "SATISFACTIONS",
    "SEVERITIES",
    "STATUSES",
    "_COMPARED",
    "ImportColumn",
    "ImportResult",
    "ParsedRow",
    "RowProblem",
    "_Parser",
    "_Spool",
    "external_key",
    "import_file",
    "import_id",
    "importing_actor",
    "read_rows",
]
