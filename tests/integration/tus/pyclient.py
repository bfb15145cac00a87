#!/usr/bin/env python3
"""Uploads one file with tuspy (Debian's python3-tuspy, the official Python
client) for tests/integration/tst_tusclients.cpp, and prints JSON lines on
stdout: the upload URL, the offset after every PATCH, then success or error.

    SLUICE_TOKEN=... python3 pyclient.py --endpoint http://127.0.0.1:PORT/files/ \
        --file PATH [--chunk-size BYTES] [--checksum] [--wrong-checksum]

--checksum sends Upload-Checksum (tuspy's algorithm is sha1) with every PATCH;
--wrong-checksum sends a sha1 of other bytes, which a server implementing the
checksum extension must refuse with 460.
"""
import argparse
import hashlib
import json
import os
import sys

from tusclient import client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--chunk-size", type=int, default=2 * 1024 * 1024)
    parser.add_argument("--checksum", action="store_true")
    parser.add_argument("--wrong-checksum", action="store_true")
    parser.add_argument("--name")
    args = parser.parse_args()
    token = os.environ.get("SLUICE_TOKEN")
    if not token:
        say("error", message="SLUICE_TOKEN is not set")
        return 1

    tus = client.TusClient(args.endpoint, headers={"Authorization": "Bearer " + token})
    uploader = tus.uploader(
        args.file,
        chunk_size=args.chunk_size,
        metadata={
            "filename": args.name or os.path.basename(args.file),
            "filetype": "application/octet-stream",
        },
        upload_checksum=args.checksum or args.wrong_checksum,
    )
    if args.wrong_checksum:
        # Same header, same algorithm name, a digest of different bytes.
        uploader.CHECKSUM_ALGORITHM_PAIR = ("sha1", lambda data: hashlib.sha1(data + b"!"))
        uploader._BaseUploader__checksum_algorithm = uploader.CHECKSUM_ALGORITHM_PAIR[1]

    size = uploader.get_file_size()
    try:
        uploader.set_url(uploader.create_url())
        say("url", url=uploader.url)
        while uploader.offset < size:
            before = uploader.offset
            uploader.upload_chunk()
            say("chunk", start=before, offset=uploader.offset, total=size)
    except (TusUploadFailed, TusCommunicationError) as error:
        body = error.response_content or b""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        say("error", message=str(error), status=error.status_code, body=body)
        return 1
    say("success", url=uploader.url, size=size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
