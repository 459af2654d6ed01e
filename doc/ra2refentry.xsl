<?xml version="1.0"?>
<!--
  Turns an agent's OCF meta-data into a DocBook refentry for its man page,
  so the man page comes from the same table as meta-data and validation.
  A blank line in a longdesc starts a new paragraph.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes"/>
  <xsl:param name="package"/>
  <xsl:param name="version"/>
  <xsl:param name="provider" select="'heartbeat'"/>
  <xsl:template match="/resource-agent">
    <refentry id="ocf_{$provider}_{@name}">
      <refmeta>
        <refentrytitle>ocf_<xsl:value-of select="$provider"/>_<xsl:value-of select="@name"/></refentrytitle>
        <manvolnum>7</manvolnum>
        <refmiscinfo class="source"><xsl:value-of select="$package"/></refmiscinfo>
        <refmiscinfo class="version"><xsl:value-of select="$version"/></refmiscinfo>
        <refmiscinfo class="manual">OCF resource agents</refmiscinfo>
      </refmeta>
      <refnamediv>
        <refname>ocf_<xsl:value-of select="$provider"/>_<xsl:value-of select="@name"/></refname>
        <refpurpose><xsl:value-of select="normalize-space(shortdesc)"/></refpurpose>
      </refnamediv>
      <refsynopsisdiv>
        <cmdsynopsis>
          <command><xsl:value-of select="@name"/></command>
          <arg choice="req">
            <xsl:for-each select="actions/action[not(@name = preceding-sibling::action/@name)]">
              <xsl:value-of select="@name"/><xsl:if test="position() != last()">|</xsl:if>
            </xsl:for-each>
          </arg>
        </cmdsynopsis>
      </refsynopsisdiv>
      <refsection>
        <title>Description</title>
        <xsl:call-template name="paras">
          <xsl:with-param name="text" select="longdesc"/>
        </xsl:call-template>
      </refsection>
      <refsection>
        <title>Supported Parameters</title>
        <variablelist>
          <xsl:for-each select="parameters/parameter">
            <varlistentry>
              <term><option><xsl:value-of select="@name"/></option></term>
              <listitem>
                <xsl:if test="normalize-space(shortdesc) != normalize-space(longdesc)">
                  <para><emphasis><xsl:value-of select="normalize-space(shortdesc)"/></emphasis></para>
                </xsl:if>
                <xsl:call-template name="paras">
                  <xsl:with-param name="text" select="longdesc"/>
                </xsl:call-template>
                <para>(<xsl:value-of select="content/@type"/><xsl:if test="content/@default != ''">, default <literal><xsl:value-of select="content/@default"/></literal></xsl:if><xsl:if test="@required = '1'">, required</xsl:if><xsl:if test="@unique = '1'">, unique</xsl:if>)</para>
              </listitem>
            </varlistentry>
          </xsl:for-each>
        </variablelist>
      </refsection>
      <refsection>
        <title>Supported Operations</title>
        <variablelist>
          <xsl:for-each select="actions/action">
            <varlistentry>
              <term><option><xsl:value-of select="@name"/></option></term>
              <listitem><para>timeout <xsl:value-of select="@timeout"/><xsl:if test="@interval">, interval <xsl:value-of select="@interval"/></xsl:if><xsl:if test="@depth">, depth <xsl:value-of select="@depth"/></xsl:if></para></listitem>
            </varlistentry>
          </xsl:for-each>
        </variablelist>
      </refsection>
      <refsection>
        <title>Example</title>
        <para>pcs resource create <replaceable>name</replaceable> ocf:<xsl:value-of select="$provider"/>:<xsl:value-of select="@name"/> clone</para>
      </refsection>
    </refentry>
  </xsl:template>

  <!-- One <para> per blank-line separated block of text. -->
  <xsl:template name="paras">
    <xsl:param name="text"/>
    <xsl:variable name="nl2" select="'&#10;&#10;'"/>
    <xsl:choose>
      <xsl:when test="contains($text, $nl2)">
        <xsl:if test="normalize-space(substring-before($text, $nl2)) != ''">
          <para><xsl:value-of select="normalize-space(substring-before($text, $nl2))"/></para>
        </xsl:if>
        <xsl:call-template name="paras">
          <xsl:with-param name="text" select="substring-after($text, $nl2)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="normalize-space($text) != ''">
        <para><xsl:value-of select="normalize-space($text)"/></para>
      </xsl:when>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
