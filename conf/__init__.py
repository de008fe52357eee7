"""nasx's shipped configuration groups, installed as the package data of nasx.conf."""
