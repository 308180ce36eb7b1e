import Testing
import FixtureSupport
