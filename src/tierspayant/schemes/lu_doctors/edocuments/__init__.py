"""The eSanté eDocuments service as a faithful party: a document vault with its own store and its own API."""
