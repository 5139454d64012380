"""Row locks for the services' read-then-change steps: one way to take them, so none can deadlock
against a colleague's insert.

Every service that reads a row, decides, then changes it (a bed, an invoice, a stock balance, a
lab order) locks the row first, so two people acting on it at once take turns. How the lock is
taken matters on PostgreSQL, because of two things every write here does:

- Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: a new row's references are checked at
  COMMIT, with a FOR KEY SHARE lock on each row it points to.
- The audit log (hms.audit) serializes its writers with a transaction-scoped advisory lock, taken
  at the first audited change and held until COMMIT.

A plain FOR UPDATE blocks FOR KEY SHARE. So a transaction holding FOR UPDATE on a row (say the
lab catalogue's "Full blood count", locked through a `select_related` of the order it was really
after) and then audited, and a colleague's transaction that had audited first and, at its COMMIT,
checked its new order's reference to that same test, waited for each other: PostgreSQL broke the
deadlock by failing one of them (the 200-user load test, session 19: a doctor's test order).

So every lock here is FOR NO KEY UPDATE (PostgreSQL's own lock for an UPDATE that keeps the key):
two lockers of a row still take turns, but an insert that only points to the row never waits.
And only the rows of the queryset's own model are locked unless `also` names a related one: a
`select_related` reads the patient, the test, the ward or the user beside the locked row without
holding every other order of that patient, that test or that ward back. SQLite ignores both (it
serializes whole writes: settings' IMMEDIATE transactions).

A service that locks a row to delete it (a prescription taken off, a day taken off the roster)
says so (`deleting=True`): that lock is FOR UPDATE, the one PostgreSQL's DELETE takes anyway, so
an insert pointing to the row waits and then finds it gone, as it must.
"""

from django.db.models import QuerySet


def locked(
    queryset,
    *,
    also: tuple[str, ...] = (),
    skip_locked: bool = False,
    deleting: bool = False,
) -> QuerySet:
    """`queryset` (a QuerySet or a model's manager) to be read under FOR NO KEY UPDATE of its own
    model's rows, and of the `select_related` relations named in `also` (e.g. `("patient",)`),
    until the transaction ends. `skip_locked`: rows another transaction holds are left out instead
    of waited for (the work queues that hand one item to each taker). `deleting`: the service
    deletes the row it locked, so FOR UPDATE (see the module's docstring).

    Must be evaluated inside `transaction.atomic()`, as any select_for_update (Django raises
    TransactionManagementError otherwise)."""
    return queryset.select_for_update(
        no_key=not deleting, of=("self", *also), skip_locked=skip_locked
    )
