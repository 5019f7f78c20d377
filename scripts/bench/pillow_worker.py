"""The common way to strip photo metadata in Python, as a queue worker and as a Lambda
function, for comparison with exifstrip (scripts/bench/aws.sh).

For each S3 event: download the object with boto3, decode it with Pillow, copy the pixels into
a new image (which carries no metadata), encode that as JPEG, upload it to the destination
bucket. Re-encoding is lossy; exifstrip's rewrite is not. The decoding of events is kept
minimal (EventBridge `Object Created` only), which favours this side.

Modes:
  worker QUEUE_URL DEST_BUCKET COUNT   long-poll SQS until COUNT messages are handled
  lambda DEST_BUCKET                   the Lambda runtime API loop (AWS_LAMBDA_RUNTIME_API),
                                       as Python's own runtime runs a handler
"""

import io
import json
import os
import sys
import urllib.request

import boto3
from PIL import Image

s3 = boto3.client("s3")


def strip(bucket, key, dest):
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        clean = Image.new(image.mode, image.size)
        clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=95)
    s3.put_object(Bucket=dest, Key=key, Body=out.getvalue(), ContentType="image/jpeg")


def handle(body, dest):
    event = json.loads(body)
    detail = event["detail"]
    strip(detail["bucket"]["name"], detail["object"]["key"], dest)


def worker(queue_url, dest, count):
    sqs = boto3.client("sqs")
    handled = 0
    while handled < count:
        reply = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in reply.get("Messages", []):
            handle(message["Body"], dest)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1


def lambda_loop(dest):
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
    while True:
        with urllib.request.urlopen(api + "next") as reply:
            request_id = reply.headers["Lambda-Runtime-Aws-Request-Id"]
            handle(reply.read(), dest)
        done = urllib.request.Request(api + request_id + "/response", data=b"{}", method="POST")
        urllib.request.urlopen(done).close()


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        lambda_loop(sys.argv[2])
