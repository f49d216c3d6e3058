"""The EC2 Query API (`/ec2/`): AWS's own wire format (Action=...&Version=..., Signature
Version 4, XML answers) over the same command services and read models as the OpenStack APIs."""
