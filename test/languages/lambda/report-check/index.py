"""The DeliveryStack's step, written in Python without the runtime: it reads the URL the pipeline
passes in UserParameters and reports it back as the CHECKED_URL output variable."""
import json

import boto3

codepipeline = boto3.client("codepipeline")


def handler(event, _context):
    job = event["CodePipeline.job"]
    parameters = json.loads(job["data"]["actionConfiguration"]["configuration"]["UserParameters"])
    url = parameters.get("url")
    if not url:
        codepipeline.put_job_failure_result(
            jobId=job["id"],
            failureDetails={"type": "ConfigurationError", "message": 'UserParameters must hold a "url"'},
        )
        return
    print(f"checking {url}")
    codepipeline.put_job_success_result(
        jobId=job["id"],
        executionDetails={"summary": f"checked {url}"},
        outputVariables={"CHECKED_URL": url},
    )
