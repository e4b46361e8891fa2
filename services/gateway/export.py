"""CSV exports, streamed: the first page is fetched before answering (so a bad request still gets its
4xx), the rest page by page while the client reads, with no row cap and constant memory."""
import csv
import io
import logging

from werkzeug.wrappers import Response

from services.gateway.responses import NO_STORE, with_correlation_id

log = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def cell(value):
    """Citizens write the subjects: a leading '=' must not become a formula in the officer's spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = ";".join(map(str, value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) and not _number(text) else text


def _number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def csv_chunks(columns, first_rows, more_pages):
    """Yield the CSV text: header, the first page's rows, then each further page's rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in first_rows)
    yield b"\xef\xbb\xbf" + flush()  # a BOM, so spreadsheets read Bengali and Hindi as UTF-8
    try:
        for rows in more_pages:
            writer.writerows([cell(v) for v in row] for row in rows)
            yield flush()
    except Exception:
        log.exception("a CSV export stopped part-way; the client gets a truncated file")
        raise


def pages(fetch):
    """(rows of the first page, an iterator over the rows of the pages after it); `fetch(after)` returns
    (rows, the next page's key or None)."""
    rows, after = fetch()

    def more(after=after):
        while after:
            rows, after = fetch(after)
            yield rows

    return rows, more()


def csv_export(filename, columns, fetch):
    """The streamed CSV download of every page `fetch` gives."""
    response = Response(csv_chunks(columns, *pages(fetch)), status=200, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE})
    response.charset = "utf-8"
    return with_correlation_id(response)
